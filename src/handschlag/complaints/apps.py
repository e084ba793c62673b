from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "handschlag.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from handschlag.complaints.home import (
            complaints_digest_lines,
            complaints_home,
            complaints_home_invalidate,
        )
        from handschlag.complaints.models import Complaint, ComplaintWatcher
        from handschlag.core.home import HomeSection, home_section_register

        for model in (Complaint, ComplaintWatcher):  # the home part is cached until a case or watcher changes
            post_save.connect(
                complaints_home_invalidate, sender=model, dispatch_uid=f"home-{model.__name__}-save"
            )
            post_delete.connect(
                complaints_home_invalidate, sender=model, dispatch_uid=f"home-{model.__name__}-delete"
            )

        home_section_register(
            HomeSection(
                name="complaints",
                order=10,
                template="complaints/home_section.html",
                context=complaints_home,
                digest_lines=complaints_digest_lines,
            )
        )
        from handschlag.complaints.privacy import privacy_complaints_register

        privacy_complaints_register()
        from handschlag.complaints.kpis import complaints_kpis_register

        complaints_kpis_register()
        from handschlag.accounts.extensions import AccountSection, account_section_register
        from handschlag.complaints import account_section, demo
        from handschlag.complaints.audit_sentences import audit_sentences_complaints_register
        from handschlag.core.demo import DemoStep, demo_step_register

        demo_step_register(DemoStep(order=30, name="complaints", build=demo.demo_step))
        # the account page: its open and latest closed complaints, revenue at risk
        account_section_register(
            AccountSection(
                name="complaints",
                order=10,
                template="complaints/account_section.html",
                context=account_section.account_complaints_section,
            )
        )
        audit_sentences_complaints_register()
