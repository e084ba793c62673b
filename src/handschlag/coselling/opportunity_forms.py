"""Forms of the opportunity pages. They only shape the input; the services (through inputs.py) decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from handschlag.core.forms import DateInput
from handschlag.coselling.enums import InvolvementReason, InvolvementRole


class OpportunityForm(forms.Form):
    account = forms.CharField(
        label=_("Account"), max_length=100, help_text=_("The account's number or CRM id.")
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    product_line_id = forms.TypedChoiceField(
        label=_("Product line"), coerce=int, required=False, empty_value=None, choices=()
    )
    amount = forms.DecimalField(label=_("Amount (EUR)"), max_digits=14, decimal_places=2, min_value=0)
    stage_id = forms.TypedChoiceField(label=_("Stage"), coerce=int, choices=())
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False, widget=DateInput)
    external_id = forms.CharField(label=_("CRM id"), max_length=100, required=False)

    def __init__(
        self, *args: Any, product_lines: list[tuple[int, str]], stages: list[tuple[int, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["product_line_id"].choices = [("", "—"), *product_lines]  # type: ignore[attr-defined]
        self.fields["stage_id"].choices = stages  # type: ignore[attr-defined]


class OpportunityEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    product_line_id = forms.TypedChoiceField(
        label=_("Product line"), coerce=int, required=False, empty_value=None, choices=()
    )
    amount = forms.DecimalField(label=_("Amount (EUR)"), max_digits=14, decimal_places=2, min_value=0)
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False, widget=DateInput)

    def __init__(self, *args: Any, product_lines: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["product_line_id"].choices = [("", "—"), *product_lines]  # type: ignore[attr-defined]


class StageMoveForm(forms.Form):
    stage_id = forms.TypedChoiceField(label=_("New stage"), coerce=int, choices=())
    reopen = forms.BooleanField(label=_("Reopen the closed deal"), required=False)
    lost_reason = forms.CharField(label=_("Why lost"), max_length=300, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, stages: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["stage_id"].choices = stages  # type: ignore[attr-defined]


class RiskForm(forms.Form):
    at_risk = forms.BooleanField(label=_("At risk"), required=False)
    reason = forms.CharField(label=_("Why at risk"), max_length=300, required=False)


class InvolvementForm(forms.Form):
    partner_id = forms.TypedChoiceField(label=_("Partner"), coerce=int, choices=())
    role = forms.ChoiceField(label=_("Role"), choices=InvolvementRole.choices)
    reason = forms.ChoiceField(
        label=_("Why the partner comes in"), choices=InvolvementReason.choices, initial=InvolvementReason.NEW
    )

    def __init__(self, *args: Any, partners: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["partner_id"].choices = partners  # type: ignore[attr-defined]


class IncentivePlanForm(forms.Form):
    seller_commission_percent = forms.DecimalField(
        label=_("Seller commission (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    sourced_multiplier = forms.DecimalField(
        label=_("Multiplier for partner-sourced deals"),
        max_digits=4,
        decimal_places=2,
        min_value=0,
        max_value=10,
    )
    influenced_multiplier = forms.DecimalField(
        label=_("Multiplier for partner-influenced deals"),
        max_digits=4,
        decimal_places=2,
        min_value=0,
        max_value=10,
    )
    seller_credit_percent = forms.DecimalField(
        label=_("Seller's credit on joint deals (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
    )
    referral_fee_percent = forms.DecimalField(
        label=_("Partner's referral fee (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    seller_referral_share_percent = forms.DecimalField(
        label=_("Seller's share of the referral fee (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
    )
    commission_cap = forms.DecimalField(
        label=_("Cap on the seller's commission per deal (EUR)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    referral_fee_cap = forms.DecimalField(
        label=_("Cap on the referral fee per deal (EUR)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
    )
