"""The complaints' part of the home page (core/home.py): the process owner's open and overdue cases and D3
clocks, the cases a seller watches, management's cancellation threats, escalations and triage queue."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import ngettext

from handschlag.complaints.enums import ComplaintStatus, SlaClock
from handschlag.complaints.models import Complaint
from handschlag.core.cache_versions import write_version, write_version_bump
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability

SHOWN = 5


def _open() -> QuerySet[Complaint]:
    return Complaint.objects.exclude(status=ComplaintStatus.CLOSED).select_related("account")


def _overdue(now: Any) -> Q:
    """A clock that still runs (not paused, not stopped) and is past its due time."""
    running = Q(paused_since__isnull=True)
    return running & (
        Q(first_response_at__isnull=True, first_response_due__lt=now)
        | Q(contained_at__isnull=True, containment_due__lt=now)
        | Q(resolution_due__lt=now)
    )


def _late_clock(case: Complaint, now: Any) -> tuple[str, Any]:
    """Which of the case's running clocks is past due (the earliest), and since when."""
    if case.first_response_at is None and case.first_response_due < now:
        return str(SlaClock.FIRST_RESPONSE.label), case.first_response_due
    if case.contained_at is None and case.containment_due < now:
        return str(SlaClock.CONTAINMENT.label), case.containment_due
    return str(SlaClock.RESOLUTION.label), case.resolution_due


# The home page of a process owner or of management reads ~11 queries over the open cases (20 ms of CPU at the
# large demo's 2,000 open cases): kept a minute per user, role and language, and dropped at once by any write to a
# case or its watchers (`complaints_home_invalidate`, connected in apps.py; other web processes without a shared
# cache within the minute).
HOME_CACHE_SECONDS = 60
HOME_VERSION_KEY = "complaints:home:version"
_MISSING = object()


def complaints_home_invalidate(*args: Any, **kwargs: Any) -> None:
    """A case or a watcher changed: every user's complaints home part is computed again."""
    write_version_bump(HOME_VERSION_KEY)


def complaints_home(user: User) -> dict[str, Any] | None:
    version = write_version(HOME_VERSION_KEY)
    key = f"complaints:home:{version}:{user.pk}:{user.role}:{translation.get_language()}"
    found = cache.get(key, _MISSING)
    if found is not _MISSING:
        return found
    context = _complaints_home(user)
    cache.set(key, context, HOME_CACHE_SECONDS)
    return context


def _complaints_home(user: User) -> dict[str, Any] | None:
    now = timezone.now()
    context: dict[str, Any] = {"now": now}
    if has_capability(user, Capability.COMPLAINTS_WORK):
        mine = _open().filter(owner=user)
        context["owned_count"] = mine.count()
        context["overdue"] = [
            (case, *_late_clock(case, now))
            for case in mine.filter(_overdue(now)).order_by("first_response_due", "pk")[:SHOWN]
        ]
        context["overdue_count"] = mine.filter(_overdue(now)).count()
        context["containment"] = list(
            mine.filter(contained_at__isnull=True).order_by("containment_due", "pk")[:SHOWN]
        )
    watched = _open().filter(watchers__user=user).exclude(owner=user)
    context["watched"] = list(watched.order_by("-updated_at", "-pk")[:SHOWN])
    context["watched_count"] = watched.count()
    if has_capability(user, Capability.COMPLAINTS_MANAGEMENT_VIEW):
        threats = _open().filter(cancellation_threat=True)
        context["threats"] = list(threats.order_by("cancellation_deadline", "pk")[:SHOWN])
        context["threat_count"] = threats.count()
        context["revenue_at_risk"] = threats.aggregate(total=Sum("revenue_at_risk"))["total"] or Decimal("0")
        escalated = _open().filter(escalation_level__gt=0)
        context["escalated"] = list(escalated.order_by("-escalation_level", "resolution_due", "pk")[:SHOWN])
        context["escalated_count"] = escalated.count()
        context["triage_count"] = _open().filter(in_triage=True).count()
    counts = ("owned_count", "watched_count", "threat_count", "escalated_count", "triage_count")
    if not any(context.get(key) for key in counts):
        return None
    return context


def complaints_digest_lines(context: dict[str, Any]) -> list[str]:
    lines = []
    if context.get("owned_count"):
        lines.append(
            ngettext(
                "%(count)d open complaint is yours, %(overdue)d of them overdue.",
                "%(count)d open complaints are yours, %(overdue)d of them overdue.",
                context["owned_count"],
            )
            % {"count": context["owned_count"], "overdue": context.get("overdue_count", 0)}
        )
    if context.get("watched_count"):
        lines.append(
            ngettext(
                "You watch %(count)d open complaint.",
                "You watch %(count)d open complaints.",
                context["watched_count"],
            )
            % {"count": context["watched_count"]}
        )
    if context.get("threat_count"):
        lines.append(
            ngettext(
                "%(count)d open complaint carries a cancellation threat; revenue at risk: %(amount)s €.",
                "%(count)d open complaints carry a cancellation threat; revenue at risk: %(amount)s €.",
                context["threat_count"],
            )
            % {
                "count": context["threat_count"],
                # in the reader's notation, as on the home page (399.551 in German, 399,551 in English)
                "amount": number_format(context["revenue_at_risk"], decimal_pos=0, force_grouping=True),
            }
        )
    if context.get("escalated_count"):
        lines.append(
            ngettext(
                "%(count)d open complaint is escalated.",
                "%(count)d open complaints are escalated.",
                context["escalated_count"],
            )
            % {"count": context["escalated_count"]}
        )
    return lines
