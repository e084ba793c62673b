from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MappingConfig(AppConfig):
    name = "handschlag.mapping"
    verbose_name = _("Account mapping")

    def ready(self) -> None:
        """Mapping registers itself with the modules below it, which import nothing of it (docs/ARCHITECTURE.md)."""
        from handschlag.accounts.extensions import (
            AccountBulkAction,
            AccountSection,
            account_bulk_action_register,
            account_section_register,
        )
        from handschlag.alliances.extensions import (
            SIGNAL_ACCOUNT_MAPPING,
            AgreementSection,
            PortalSection,
            agreement_section_register,
            partnership_signal_register,
            portal_section_register,
        )
        from handschlag.core.demo import DemoStep, demo_step_register
        from handschlag.mapping import account_section, demo, portal_views, views
        from handschlag.mapping.audit_sentences import audit_sentences_mapping_register
        from handschlag.mapping.selectors import latest_done_run_finished_at_by_agreement

        agreement_section_register(
            AgreementSection(
                name="mapping_sharing",
                order=10,
                template="mapping/agreement_sharing.html",
                context=views.agreement_sharing_section,
            )
        )
        agreement_section_register(
            AgreementSection(
                name="mapping_runs",
                order=20,
                template="mapping/agreement_runs.html",
                context=views.agreement_runs_section,
            )
        )
        portal_section_register(
            PortalSection(
                name=portal_views.PORTAL_SECTION,
                order=10,
                template="mapping/portal_agreement.html",
                context=portal_views.portal_agreement_section,
            )
        )
        # the health score's "account mapping is fresh / stale / missing"
        partnership_signal_register(
            SIGNAL_ACCOUNT_MAPPING,
            lambda agreement_ids: latest_done_run_finished_at_by_agreement(agreement_ids=list(agreement_ids)),
        )
        # the account page: which partners' latest mapping found the account; "never share"
        account_section_register(
            AccountSection(
                name="mapping_overlaps",
                order=20,
                template="mapping/account_section.html",
                context=account_section.account_overlaps_section,
            )
        )
        # the account list's bulk form: never share / share again, through the services (they check the actor)
        account_bulk_action_register(
            AccountBulkAction(
                name="never_share",
                order=10,
                label=_("Never share with partners"),
                apply=account_section.never_share,
            )
        )
        account_bulk_action_register(
            AccountBulkAction(
                name="share_again",
                order=11,
                label=_("Share with partners again"),
                apply=account_section.share_again,
            )
        )
        # after the partnerships (20): the lived partnership's sharing rules, both opt-ins and a fresh mapping
        demo_step_register(DemoStep(order=25, name="mapping", build=demo.demo_step))
        audit_sentences_mapping_register()
