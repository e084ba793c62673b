from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CosellingConfig(AppConfig):
    name = "handschlag.coselling"
    label = "coselling"
    verbose_name = _("Co-selling")

    def ready(self) -> None:
        from handschlag.coselling.privacy import privacy_coselling_register

        privacy_coselling_register()
        from handschlag.alliances.extensions import SIGNAL_DEALS, partnership_signal_register
        from handschlag.coselling.selectors.figures import deal_signal

        # opportunities (issue 12): joint pipeline, wins, rescues, win rate and cycle time with vs without partner
        partnership_signal_register(SIGNAL_DEALS, deal_signal)
        from handschlag.coselling.opportunity_audit_sentences import audit_sentences_opportunities_register

        audit_sentences_opportunities_register()
        from handschlag.alliances.extensions import (
            PartnerSection,
            partner_list_section_register,
            partner_section_register,
        )
        from handschlag.coselling.partner_section import partner_figures_section

        # the co-selling figures (DESIGN §3.8) as charts with tables and CSV on the partner page and list
        for register in (partner_section_register, partner_list_section_register):
            register(
                PartnerSection(
                    name="coselling_figures",
                    order=10,
                    template="coselling/partner_figures_section.html",
                    context=partner_figures_section,
                )
            )
        from handschlag.core.demo import DemoStep, demo_step_register
        from handschlag.coselling import opportunity_demo

        # after the partnerships (20) and their mapping (25), before the leads (45): the story of source 002 and
        # the referral of source 000 (large: 1M opportunities with stage history)
        demo_step_register(
            DemoStep(
                order=40,
                name="coselling_opportunities",
                build=opportunity_demo.demo_step,
                present=opportunity_demo.demo_present,
            )
        )

        # leads and deal registrations (issue 12): audit sentences, the health score's lead figures
        from handschlag.alliances.extensions import SIGNAL_LEADS
        from handschlag.coselling.lead_audit_sentences import audit_sentences_leads_register
        from handschlag.coselling.selectors.leads import lead_figures_by_agreement

        audit_sentences_leads_register()
        partnership_signal_register(SIGNAL_LEADS, lead_figures_by_agreement)
        from handschlag.core.demo import DemoStep, demo_step_register
        from handschlag.coselling import lead_demo

        # after the partnerships (20) and their mapping (25): the lived alliance's leads and deal registrations
        demo_step_register(DemoStep(order=45, name="coselling_leads", build=lead_demo.demo_step))
        from handschlag.core.home import HomeSection, home_section_register
        from handschlag.coselling.lead_home import leads_digest_lines, leads_home

        home_section_register(
            HomeSection(
                name="coselling_leads",
                order=35,
                template="coselling/lead_home_section.html",
                context=leads_home,
                digest_lines=leads_digest_lines,
            )
        )
        from handschlag.accounts.extensions import AccountSection, account_section_register
        from handschlag.coselling.lead_account_section import account_partner_activity_section

        # the account page: partners' deal registrations on it and leads the engine resolved to it
        account_section_register(
            AccountSection(
                name="coselling_partner_activity",
                order=25,
                template="coselling/account_section.html",
                context=account_partner_activity_section,
            )
        )
