from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from handschlag.alliances.enums import (
    OfferAsk,
    OfferDecision,
    OfferGive,
    PartnerStatus,
    PartnerTier,
    PartnerType,
)
from handschlag.alliances.models import Agreement, FitCriterion


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    partner_type = forms.ChoiceField(label=_("Type"), choices=PartnerType.choices)
    tier = forms.ChoiceField(label=_("Tier"), choices=PartnerTier.choices, initial=PartnerTier.REGISTERED)
    website = forms.CharField(label=_("Website"), max_length=253, required=False)
    description = forms.CharField(
        label=_("What they do"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class PartnerEditForm(PartnerForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=PartnerStatus.choices,
        help_text=_("Inactive: the partnership has ended; the partner's portal logins are deactivated."),
    )


class PortalUserEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("de", "Deutsch"), ("en", "English")])
    is_active = forms.BooleanField(label=_("May log in"), required=False)


class PartnerContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    position = forms.CharField(label=_("Position"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)


class PortalUserForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("de", "Deutsch"), ("en", "English")], initial="de"
    )


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = [
            "title",
            "status",
            "scope",
            "starts_on",
            "ends_on",
            "leads_to_us_per_quarter",
            "leads_to_partner_per_quarter",
            "joint_pipeline_target",
            "joint_wins_target",
            "incentive_plan",
            "value_proposition",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "scope": forms.Textarea(attrs={"rows": 3}),
            "incentive_plan": forms.Textarea(attrs={"rows": 3}),
            "value_proposition": forms.Textarea(attrs={"rows": 5}),
        }
        localized_fields = ["joint_pipeline_target"]

    def _post_clean(self) -> None:
        """Rules live in the service; the form only converts what was typed."""


class OfferForm(forms.Form):
    company_name = forms.CharField(label=_("Company"), max_length=200)
    contact_name = forms.CharField(label=_("Contact"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("E-mail"), required=False)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput(), required=False)
    summary = forms.CharField(
        label=_("What they propose"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    gives = forms.MultipleChoiceField(
        label=_("What they offer"),
        choices=OfferGive.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    asks = forms.MultipleChoiceField(
        label=_("What they ask"),
        choices=OfferAsk.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=OfferDecision.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Reason, or what you need to know"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class WeightsForm(forms.Form):
    def __init__(self, *args: Any, criteria: list[FitCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            self.fields[f"weight_{criterion.pk}"] = forms.IntegerField(
                label=criterion.name, min_value=0, max_value=10, initial=criterion.weight
            )


class RatingsForm(forms.Form):
    def __init__(
        self, *args: Any, criteria: list[FitCriterion], scores: dict[int, int | None], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(str(value), str(value)) for value in range(6)]
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.name,
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial="" if scores.get(criterion.pk) is None else str(scores[criterion.pk]),
            )
