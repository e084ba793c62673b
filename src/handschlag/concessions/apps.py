from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcessionsConfig(AppConfig):
    name = "handschlag.concessions"
    label = "concessions"
    verbose_name = _("Concessions")

    def ready(self) -> None:
        from handschlag.accounts.extensions import AccountSection, account_section_register
        from handschlag.concessions import account_section, demo
        from handschlag.concessions.audit_sentences import audit_sentences_concessions_register
        from handschlag.concessions.home import concessions_digest_lines, concessions_home
        from handschlag.core.demo import DemoStep, demo_step_register
        from handschlag.core.home import HomeSection, home_section_register

        audit_sentences_concessions_register()
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
