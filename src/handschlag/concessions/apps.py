from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcessionsConfig(AppConfig):
    name = "handschlag.concessions"
    label = "concessions"
    verbose_name = _("Concessions")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from handschlag.accounts.extensions import AccountSection, account_section_register
        from handschlag.concessions import account_section, demo
        from handschlag.concessions.analytics import concessions_changed
        from handschlag.concessions.audit_sentences import audit_sentences_concessions_register
        from handschlag.concessions.home import concessions_digest_lines, concessions_home
        from handschlag.core.demo import DemoStep, demo_step_register
        from handschlag.core.home import HomeSection, home_section_register

        audit_sentences_concessions_register()
        # cached figures (analytics.concession_figures) are stale after any write to this app's models
        for model in self.get_models():
            post_save.connect(
                concessions_changed, sender=model, dispatch_uid=f"figures-{model.__name__}-save"
            )
            post_delete.connect(
                concessions_changed, sender=model, dispatch_uid=f"figures-{model.__name__}-delete"
            )
        home_section_register(
            HomeSection(
                name="concessions",
                order=15,
                template="concessions/home_section.html",
                context=concessions_home,
                digest_lines=concessions_digest_lines,
            )
        )
        demo_step_register(DemoStep(order=45, name="concessions", build=demo.demo_step))
        # the account page: the customer-integrated view's concessions, what we got, the trap signals
        account_section_register(
            AccountSection(
                name="concessions",
                order=20,
                template="concessions/account_section.html",
                context=account_section.account_concessions_section,
            )
        )
