from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from handschlag.accounts.enums import AccountStatus, ImportMode, ImportPreset, InsightKind, OrderStatus
from handschlag.accounts.models import Account
from handschlag.core.enums import Role
from handschlag.core.forms import DateInput
from handschlag.core.models import User


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = [
            "name",
            "legal_form",
            "status",
            "owner",
            "external_id",
            "domain",
            "vat_id",
            "street",
            "postal_code",
            "city",
            "country",
            "industry",
            "employees",
            "annual_revenue",
            "customer_since",
            "tags",
            "success_plan",
        ]
        widgets = {"customer_since": DateInput(), "success_plan": forms.Textarea(attrs={"rows": 4})}
        localized_fields = ["annual_revenue", "employees"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).exclude(  # type: ignore[attr-defined]
            role=Role.PARTNER_USER
        )
        self.fields["country"].widget.attrs["maxlength"] = 60
        self.fields["country"].max_length = 60  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        """Rules live in the service; the form only converts what was typed."""


class AccountFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, city, domain, postal code …")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all")), *AccountStatus.choices]
    )
    owner = forms.CharField(label=_("Owner"), required=False, widget=forms.Select)
    country = forms.CharField(label=_("Country"), required=False, max_length=2)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=100)
    archived = forms.BooleanField(label=_("archived"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)


class ContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    position = forms.CharField(label=_("Position"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)


class OrderForm(forms.Form):
    number = forms.CharField(label=_("Order number"), max_length=50)
    value = forms.DecimalField(
        label=_("Value (EUR)"), min_value=0, max_digits=14, decimal_places=2, localize=True
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=OrderStatus.choices)
    product = forms.CharField(label=_("Product"), max_length=200, required=False)


class InsightForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=InsightKind.choices)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    review_date = forms.DateField(label=_("Review on"), required=False, widget=DateInput())


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file (.csv, .xlsx)"))
    preset = forms.ChoiceField(
        label=_("Exported from"), choices=ImportPreset.choices, initial=ImportPreset.AUTO
    )
    mode = forms.ChoiceField(
        label=_("If some rows have errors"),
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
    saved_mapping = forms.ChoiceField(
        label=_("Saved column mapping"),
        required=False,
        help_text=_("After the upload you see which column is read into which field and can change it."),
    )

    def __init__(
        self, *args: Any, saved_mappings: list[tuple[int, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        saved_field = self.fields["saved_mapping"]
        assert isinstance(saved_field, forms.ChoiceField)
        saved_field.choices = [
            ("", _("— detect the columns —")),
            *[(str(pk), name) for pk, name in saved_mappings or []],
        ]
