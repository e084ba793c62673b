"""The home page's part of marketing and sales: the open pulse survey for those who have not answered, and the
feedback on material marketing has not answered yet."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handschlag.alignment.selectors import feedback_unanswered_count, survey_open_for
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability


def alignment_home(user: User) -> dict[str, Any] | None:
    survey = survey_open_for(user=user)
    unanswered = feedback_unanswered_count() if has_capability(user, Capability.MARKETING_MANAGE) else 0
    if survey is None and not unanswered:
        return None
    return {"survey": survey, "unanswered_feedback": unanswered}


def alignment_digest_lines(context: dict[str, Any]) -> list[str]:
    lines = []
    if context.get("survey") is not None:
        lines.append(
            _("The pulse survey “%(title)s” is open: please answer it (two minutes, anonymous).")
            % {"title": context["survey"].title}
        )
    if context.get("unanswered_feedback"):
        lines.append(
            ngettext(
                "%(count)s feedback from sales on material waits for your answer.",
                "%(count)s pieces of feedback from sales on material wait for your answer.",
                context["unanswered_feedback"],
            )
            % {"count": context["unanswered_feedback"]}
        )
    return lines
