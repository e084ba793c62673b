"""Forms of the alignment pages; each becomes the service's typed input through `core.inputs.input_from_form`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from handschlag.alignment.enums import CampaignPhase, ExchangeKind, IcpCriterionKind
from handschlag.alignment.models import Survey
from handschlag.core.forms import DateInput

LIKERT_CHOICES = [
    (1, _("1: strongly disagree")),
    (2, _("2: disagree")),
    (3, _("3: neither")),
    (4, _("4: agree")),
    (5, _("5: strongly agree")),
]
RATING_CHOICES = [(value, str(value)) for value in range(1, 6)]


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), choices=[(q, f"Q{q}") for q in range(1, 5)], coerce=int
    )
    min_group_size = forms.IntegerField(
        label=_("Minimum answers per department"),
        min_value=3,
        initial=5,
        help_text=_("A department's results are shown only from this many answers (at least 3)."),
    )


class SurveyItemForm(forms.Form):
    text = forms.CharField(label=_("Statement"), max_length=300)


class SurveyAnswerForm(forms.Form):
    """One radio group per statement; every statement must be answered."""

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in survey.items.all():
            self.fields[f"item_{item.pk}"] = forms.TypedChoiceField(
                label=item.text, choices=LIKERT_CHOICES, coerce=int, widget=forms.RadioSelect
            )

    def answers(self) -> list[dict[str, int]]:
        return [
            {"item_id": int(name.removeprefix("item_")), "value": value}
            for name, value in self.cleaned_data.items()
            if name.startswith("item_")
        ]


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_on = forms.DateField(label=_("Launch"), widget=DateInput())
    ends_on = forms.DateField(label=_("End"), widget=DateInput())


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    campaign_id = forms.TypedChoiceField(label=_("Campaign"), required=False, coerce=int, empty_value=None)
    link = forms.CharField(label=_("Link"), required=False, max_length=500, help_text=_("https://…"))
    file = forms.FileField(
        label=_("File"), required=False, help_text=_("PDF, Office, image, ZIP or MP4; up to 20 MB.")
    )

    def __init__(self, *args: Any, campaigns: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign_id"].choices = [("", "—"), *campaigns]  # type: ignore[attr-defined]


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating (1 = unusable, 5 = excellent)"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    used_with_customer = forms.BooleanField(label=_("Used with a customer"), required=False)
    phase = forms.TypedChoiceField(
        label=_("Phase"),
        required=False,
        choices=[("", _("as the campaign stands today")), *CampaignPhase.choices],
        empty_value=None,
    )


class FeedbackAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}))


class IcpVersionForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
    target_threshold = forms.IntegerField(
        label=_("In the target group from score"), min_value=1, max_value=100, initial=60
    )
    industry_values = forms.CharField(
        label=_("Industries"),
        required=False,
        help_text=_("Separated by commas, e.g. Maschinenbau, Automotive."),
    )
    industry_weight = forms.IntegerField(label=_("Weight of industry"), min_value=0, max_value=10, initial=0)
    employees_minimum = forms.DecimalField(label=_("Employees from"), required=False, min_value=0)
    employees_maximum = forms.DecimalField(label=_("Employees up to"), required=False, min_value=0)
    employees_weight = forms.IntegerField(label=_("Weight of size"), min_value=0, max_value=10, initial=0)
    revenue_minimum = forms.DecimalField(label=_("Annual revenue from (EUR)"), required=False, min_value=0)
    revenue_maximum = forms.DecimalField(label=_("Annual revenue up to (EUR)"), required=False, min_value=0)
    revenue_weight = forms.IntegerField(label=_("Weight of revenue"), min_value=0, max_value=10, initial=0)
    region_values = forms.CharField(
        label=_("Regions"),
        required=False,
        help_text=_("Country codes or country and postal code prefix, e.g. DE-7, DE-8, AT, CH."),
    )
    region_weight = forms.IntegerField(label=_("Weight of region"), min_value=0, max_value=10, initial=0)

    def criteria(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        criteria = []
        for kind in IcpCriterionKind.values:
            weight = data.get(f"{kind}_weight") or 0
            if weight <= 0:
                continue
            criteria.append(
                {
                    "kind": kind,
                    "weight": weight,
                    "values": data.get(f"{kind}_values") or "",
                    "minimum": data.get(f"{kind}_minimum"),
                    "maximum": data.get(f"{kind}_maximum"),
                }
            )
        return criteria


class ExchangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExchangeKind.choices)
    host_id = forms.TypedChoiceField(label=_("Host"), coerce=int)
    guest_id = forms.TypedChoiceField(label=_("Guest"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    account_ids = forms.CharField(
        label=_("Accounts visited"),
        required=False,
        help_text=_("Account numbers separated by commas (the number in the account's address)."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host_id"].choices = people  # type: ignore[attr-defined]
        self.fields["guest_id"].choices = people  # type: ignore[attr-defined]

    def clean_account_ids(self) -> list[int]:
        text = self.cleaned_data.get("account_ids") or ""
        ids = []
        for part in text.replace(";", ",").split(","):
            part = part.strip().lstrip("#")
            if not part:
                continue
            if not part.isascii() or not part.isdigit() or len(part) > 18:
                raise forms.ValidationError(_("Enter account numbers separated by commas."))
            ids.append(int(part))
        return ids


class ExchangeFeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was it (1-5)?"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect
    )
    text = forms.CharField(label=_("Feedback"), widget=forms.Textarea(attrs={"rows": 3}))


class MqlForm(forms.Form):
    campaign_id = forms.TypedChoiceField(label=_("Campaign"), required=False, coerce=int, empty_value=None)
    company_name = forms.CharField(label=_("Company"), max_length=200)
    company_postal_code = forms.CharField(label=_("Postal code"), max_length=12, required=False)
    company_city = forms.CharField(label=_("City"), max_length=100, required=False)
    company_country = forms.CharField(label=_("Country"), max_length=2, initial="DE")
    company_domain = forms.CharField(label=_("Domain"), max_length=253, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    employees = forms.IntegerField(label=_("Employees"), min_value=0, required=False)
    annual_revenue = forms.DecimalField(label=_("Annual revenue (EUR)"), min_value=0, required=False)
    need = forms.CharField(
        label=_("What the customer needs"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    contact_name = forms.CharField(label=_("Contact"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)

    def __init__(self, *args: Any, campaigns: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign_id"].choices = [("", "—"), *campaigns]  # type: ignore[attr-defined]


class MaterialVersionForm(forms.Form):
    """A new version of a material: a new file or link (the version counts up; feedback keeps its version)."""

    link = forms.CharField(label=_("Link"), required=False, max_length=500)
    file = forms.FileField(label=_("File"), required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
