"""Forms of the concession pages. They only shape the input; the rules live in `inputs` and `services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from handschlag.concessions.enums import ConcessionKind, ConcessionReason, Decision, GetKind, GetStatus
from handschlag.core.enums import Role
from handschlag.core.forms import DateInput


def _money(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, max_digits=14, decimal_places=2, localize=True, help_text=help_text
    )


class ConcessionForm(forms.Form):
    account = forms.CharField(
        label=_("Account"), max_length=120, help_text=_("The account's number or its CRM id.")
    )
    order_number = forms.CharField(label=_("Order number"), max_length=50, required=False)
    granted_on = forms.DateField(label=_("Granted on"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=ConcessionKind.choices)
    list_value = _money(
        _("List value (EUR)"), required=True, help_text=_("The list value of the business it applies to.")
    )
    percent = forms.DecimalField(
        label=_("Discount (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        localize=True,
        help_text=_("Only for a percent discount."),
    )
    amount = _money(
        _("Value (EUR)"), help_text=_("For an amount, a free service, shipping, warranty or other.")
    )
    extra_days = forms.IntegerField(
        label=_("Extra payment days"), required=False, help_text=_("Only for longer payment terms.")
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=ConcessionReason.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    get_kind = forms.ChoiceField(label=_("What we get in return"), choices=GetKind.choices)
    get_description = forms.CharField(
        label=_("The return, described"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    get_value = _money(_("Value of the return (EUR)"))
    get_due_on = forms.DateField(label=_("Return due on"), required=False, widget=DateInput())
    nothing_reason = forms.CharField(
        label=_("Why nothing in return?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when we get nothing in return."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a rejection."),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)


class GetStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Return"),
        choices=[
            (value, label)
            for value, label in GetStatus.choices
            if value in {"pending", "delivered", "failed"}
        ],
    )


class SettingsForm(forms.Form):
    interest_rate_percent = forms.DecimalField(
        label=_("Interest rate per year (%)"), max_digits=5, decimal_places=2, localize=True
    )
    period_days = forms.IntegerField(label=_("Approval period (days)"), min_value=1)
    edit_tolerance_percent = forms.DecimalField(
        label=_("Tolerance for changes (%)"), max_digits=5, decimal_places=2, localize=True
    )
    trap_min_years = forms.IntegerField(label=_("Long relationship from (years)"), min_value=0)
    trap_max_complaints = forms.IntegerField(
        label=_("Friendly: at most this many complaints in a year"), min_value=0
    )
    trap_max_coverage_percent = forms.DecimalField(
        label=_("Few returns: give-get coverage below (%)"), max_digits=5, decimal_places=2, localize=True
    )


LIMIT_ROLE_CHOICES = [
    (role.value, role.label) for role in (Role.SELLER, Role.PARTNER_MANAGER, Role.MANAGEMENT)
]


class LimitForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=LIMIT_ROLE_CHOICES)
    max_value = _money(_("Limit (EUR)"), help_text=_("Empty: no limit."))
    max_percent = forms.DecimalField(
        label=_("Limit (% of list value)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        localize=True,
        help_text=_("Empty: no limit."),
    )


class DelegationForm(forms.Form):
    delegate = forms.ChoiceField(label=_("Colleague"))
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("Until"), widget=DateInput())

    def __init__(self, *args: Any, delegates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["delegate"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *delegates]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or Excel)"),
        help_text=_(
            "One discount line per row; columns such as Kunde, Datum, Art, Listenwert, Prozent, Betrag, Grund."
        ),
    )
