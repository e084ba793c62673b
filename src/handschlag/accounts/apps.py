from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "handschlag.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from handschlag.accounts.signals import account_signals_connect

        account_signals_connect()
        from handschlag.accounts.privacy import privacy_accounts_register

        privacy_accounts_register()
        from handschlag.accounts import demo
        from handschlag.accounts.audit_sentences import audit_sentences_accounts_register
        from handschlag.accounts.selectors import account_summary_for_user
        from handschlag.core.demo import DemoStep, demo_step_register
        from handschlag.core.home import home_contribution_register

        demo_step_register(
            DemoStep(order=10, name="accounts", build=demo.demo_step, present=demo.demo_present)
        )
        # the home page's tiles (accounts, customers, mine, open orders)
        home_contribution_register("accounts", lambda user: {"summary": account_summary_for_user(user=user)})
        audit_sentences_accounts_register()
        # the account page's hint at possible duplicates of the account (issue 11; the list: /accounts/duplicates/)
        from handschlag.accounts.duplicate_views import account_duplicates_section
        from handschlag.accounts.extensions import AccountSection, account_section_register

        account_section_register(
            AccountSection(
                name="possible_duplicates",
                order=5,
                template="accounts/duplicates_section.html",
                context=account_duplicates_section,
            )
        )
