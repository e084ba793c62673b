"""The audit log's filters: kind of object, person, period. Shared by the page, its CSV export and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from handschlag.core.audit_sentences import audit_object_types, person_name
from handschlag.core.forms import DateInput
from handschlag.core.models import User


class AuditPeriod(TextChoices):
    TODAY = "today", _("Today")
    LAST_7_DAYS = "last_7_days", _("Last 7 days")
    LAST_30_DAYS = "last_30_days", _("Last 30 days")
    THIS_MONTH = "this_month", _("This month")
    LAST_MONTH = "last_month", _("Last month")


@dataclass(frozen=True)
class AuditFilter:
    target_type: str | None = None
    target_id: str | None = None
    actor_id: int | None = None
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_period_range(
    *, period: str | None, date_from: dt.date | None, date_to: dt.date | None, today: dt.date | None = None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """A preset period, else the given days (both inclusive), as [since, until) in the installation's time zone."""
    today = today or timezone.localdate()
    if period == AuditPeriod.TODAY:
        date_from, date_to = today, today
    elif period == AuditPeriod.LAST_7_DAYS:
        date_from, date_to = today - dt.timedelta(days=6), today
    elif period == AuditPeriod.LAST_30_DAYS:
        date_from, date_to = today - dt.timedelta(days=29), today
    elif period == AuditPeriod.THIS_MONTH:
        date_from, date_to = today.replace(day=1), today
    elif period == AuditPeriod.LAST_MONTH:
        date_to = today.replace(day=1) - dt.timedelta(days=1)
        date_from = date_to.replace(day=1)
    since = _midnight(date_from) if date_from else None
    until = _midnight(date_to + dt.timedelta(days=1)) if date_to else None
    return since, until


class AuditFilterForm(forms.Form):
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    user = forms.TypedChoiceField(label=_("User"), required=False, coerce=int, empty_value=None)
    period = forms.ChoiceField(
        label=_("Period"), required=False, choices=[("", _("Any time")), *AuditPeriod.choices]
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    target_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        object_type, user = self.fields["object_type"], self.fields["user"]
        assert isinstance(object_type, forms.ChoiceField)
        assert isinstance(user, forms.ChoiceField)
        object_type.choices = [
            ("", _("All")),
            *((kind.target_type, kind.label) for kind in audit_object_types()),
        ]
        user.choices = [
            ("", _("Everybody")),
            *(
                (user.pk, person_name(user))
                for user in User.objects.order_by("last_name", "first_name", "username")
            ),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end lies before the start."))
        return cleaned

    def audit_filter(self) -> AuditFilter:
        """The filter of a valid form; an invalid one filters nothing (the page shows the form's errors)."""
        if not self.is_valid():
            return AuditFilter()
        data = self.cleaned_data
        since, until = audit_period_range(
            period=data.get("period") or None, date_from=data.get("date_from"), date_to=data.get("date_to")
        )
        return AuditFilter(
            target_type=data.get("object_type") or None,
            target_id=data.get("target_id") or None,
            actor_id=data.get("user"),
            since=since,
            until=until,
        )
