"""What every notification about a case carries: its link, its placeholders, and management."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from handschlag.complaints.models import Complaint
from handschlag.core.enums import Role
from handschlag.core.models import User


def case_url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.pk])


def management_users() -> list[User]:
    return list(User.objects.filter(role=Role.MANAGEMENT, is_active=True).order_by("pk"))


def case_names(complaint: Complaint) -> dict[str, Any]:
    """The placeholders every notification about a case uses: number, account, title."""
    return {"number": complaint.pk, "account": complaint.account.display_name, "title": complaint.title}
