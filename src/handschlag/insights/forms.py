from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from handschlag.core.enums import Role
from handschlag.core.forms import DateInput
from handschlag.core.models import Department, User
from handschlag.insights.enums import PeriodPreset


class FiltersForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PeriodPreset.choices, required=False)
    start = forms.DateField(label=_("from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("to"), required=False, widget=DateInput())
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("all")
    )
    partner = forms.TypedChoiceField(label=_("Partner"), coerce=int, required=False, empty_value=None)
    seller = forms.ModelChoiceField(
        label=_("Seller"), queryset=User.objects.none(), required=False, empty_label=_("all")
    )

    def __init__(self, *args: Any, partners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]
        self.fields["seller"].queryset = User.objects.filter(role=Role.SELLER, is_active=True).order_by(  # type: ignore[attr-defined]
            "last_name", "first_name", "pk"
        )
        self.fields["partner"].choices = [("", _("all")), *partners]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == PeriodPreset.CUSTOM:
            start: dt.date | None = data.get("start")
            end: dt.date | None = data.get("end")
            if start is None or end is None:
                raise forms.ValidationError(_("Please enter the first and the last day of the period."))
            if end < start:
                raise forms.ValidationError(_("The end lies before the start."))
            if (end - start).days > 3 * 366:
                raise forms.ValidationError(_("A period covers at most three years."))
        return data


class GoalForm(forms.Form):
    kpi_key = forms.ChoiceField(label=_("Figure"))
    title = forms.CharField(label=_("Title"), max_length=200)
    period_start = forms.DateField(label=_("from"), widget=DateInput())
    period_end = forms.DateField(label=_("to"), widget=DateInput())
    target = forms.DecimalField(label=_("Target"), min_value=0, max_digits=16, decimal_places=2)
    department_id = forms.ModelChoiceField(
        label=_("Measured for department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("the whole organisation"),
    )
    owner_ids = forms.ModelMultipleChoiceField(
        label=_("Owners (from at least two departments)"),
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, kpis: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi_key"].choices = kpis  # type: ignore[attr-defined]
        self.fields["department_id"].queryset = Department.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]
        self.fields["owner_ids"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, department__isnull=False)
            .exclude(role=Role.PARTNER_USER)
            .select_related("department")
            .order_by("department__name", "last_name", "pk")
        )
        self.fields["owner_ids"].label_from_instance = lambda user: f"{user} ({user.department})"  # type: ignore[attr-defined]
