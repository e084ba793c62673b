"""Forms of the lead and deal-registration pages (ours and the portal's). They only shape the input; the services
(through lead_inputs.py) decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from handschlag.core.forms import DateInput
from handschlag.coselling.lead_enums import (
    DECLINE_REASONS_BY_SOURCE,
    DEFAULT_PROTECTION_DAYS,
    MAX_PROTECTION_DAYS,
    LeadDeclineReason,
)


class CompanyFieldsForm(forms.Form):
    company_name = forms.CharField(label=_("Company"), max_length=200)
    company_domain = forms.CharField(label=_("Website domain"), max_length=253, required=False)
    company_street = forms.CharField(label=_("Street"), max_length=200, required=False)
    company_postal_code = forms.CharField(label=_("Postal code"), max_length=12, required=False)
    company_city = forms.CharField(label=_("City"), max_length=100, required=False)
    company_country = forms.CharField(
        label=_("Country"), max_length=2, required=False, help_text=_("Two letters, e.g. DE")
    )


class LeadOfferForm(CompanyFieldsForm):
    """A lead; with `partners` (our people) the partner who receives it."""

    partner_id = forms.TypedChoiceField(label=_("Partner"), coerce=int, choices=())
    product_line_id = forms.TypedChoiceField(
        label=_("Product line"), coerce=int, required=False, empty_value=None, choices=()
    )
    need = forms.CharField(
        label=_("What the customer needs"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    estimated_amount = forms.DecimalField(
        label=_("Estimated amount (EUR)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)

    def __init__(
        self,
        *args: Any,
        partners: list[tuple[int, str]] | None,
        product_lines: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if partners is None:
            del self.fields["partner_id"]
        else:
            self.fields["partner_id"].choices = [("", "—"), *partners]  # type: ignore[attr-defined]
        self.fields["product_line_id"].choices = [("", "—"), *product_lines]  # type: ignore[attr-defined]
        self.fields["contact_name"].help_text = _("Shown to the receiver once he accepts the lead.")


class LeadDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(label=_("Reason for declining"), required=False, choices=())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, source: str, with_account: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((code, LeadDeclineReason(code).label) for code in DECLINE_REASONS_BY_SOURCE.get(source, ())),
        ]
        if with_account:
            self.fields["account"] = forms.CharField(
                label=_("Account (number or CRM id)"),
                max_length=100,
                required=False,
                help_text=_("Empty: the account found above, else a new one."),
            )


class DealRegistrationForm(CompanyFieldsForm):
    product_line_id = forms.TypedChoiceField(label=_("Product line"), coerce=int, choices=())
    title = forms.CharField(label=_("Deal"), max_length=200)
    amount = forms.DecimalField(label=_("Amount (EUR)"), min_value=0, max_digits=14, decimal_places=2)
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False, widget=DateInput())
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, product_lines: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product_line_id"].choices = [("", "—"), *product_lines]  # type: ignore[attr-defined]


class RegistrationDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve")),
            ("reject", _("Reject")),
            ("duplicate", _("Mark as duplicate")),
        ],
        widget=forms.RadioSelect,
    )
    protection_days = forms.IntegerField(
        label=_("Protection (days)"),
        min_value=1,
        max_value=MAX_PROTECTION_DAYS,
        initial=DEFAULT_PROTECTION_DAYS,
    )
    account = forms.CharField(
        label=_("Account (number or CRM id)"),
        max_length=100,
        required=False,
        help_text=_(
            "Only when the registration proposes a new company or the engine picked the wrong account."
        ),
    )
    duplicate_of_id = forms.IntegerField(
        label=_("Duplicate of registration no."), min_value=1, required=False
    )
    reason = forms.CharField(
        label=_("Reason (the partner sees it)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExtensionRequestForm(forms.Form):
    days = forms.IntegerField(
        label=_("Extend by (days)"), min_value=1, max_value=MAX_PROTECTION_DAYS, initial=30
    )
    reason = forms.CharField(label=_("Why"), max_length=500)


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Extension"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason (the partner sees it)"), max_length=500, required=False)
