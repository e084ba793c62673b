from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlignmentConfig(AppConfig):
    name = "handschlag.alignment"
    label = "alignment"
    verbose_name = _("Marketing and sales")

    def ready(self) -> None:
        from handschlag.accounts.extensions import AccountSection, account_section_register
        from handschlag.alignment import account_section, demo
        from handschlag.alignment.audit_sentences import audit_sentences_alignment_register
        from handschlag.core.demo import DemoStep, demo_step_register

        audit_sentences_alignment_register()
        from handschlag.alignment.privacy import privacy_alignment_register

        privacy_alignment_register()
        # the home page: the open pulse survey (for those who have not answered), unanswered feedback (marketing)
        from handschlag.alignment.home import alignment_digest_lines, alignment_home
        from handschlag.core.home import HomeSection, home_section_register

        home_section_register(
            HomeSection(
                name="alignment",
                order=50,
                template="alignment/home_section.html",
                context=alignment_home,
                digest_lines=alignment_digest_lines,
            )
        )
        # the account page: the fit score against the current ideal customer profile, with its reasons
        account_section_register(
            AccountSection(
                name="icp_fit",
                order=30,
                template="alignment/account_section.html",
                context=account_section.account_icp_section,
            )
        )
        # after accounts (10) and complaints (30): the ride-along visits the seller's accounts
        demo_step_register(
            DemoStep(
                order=40,
                name="alignment",
                build=demo.demo_step,
                present=demo.demo_present,
                logins=demo.DEMO_LOGINS,
            )
        )
