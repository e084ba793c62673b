"""The marketing part of the home page and the weekly mail: unanswered feedback on material, counted in the
singular and the plural."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from handschlag.alignment.enums import CampaignPhase
from handschlag.alignment.home import alignment_digest_lines, alignment_home
from handschlag.alignment.models import Material, MaterialFeedback
from handschlag.core.enums import Role
from handschlag.core.models import User

pytestmark = pytest.mark.django_db


def _feedback(material: Material, author: User) -> MaterialFeedback:
    return MaterialFeedback.objects.create(
        material=material, author=author, phase=CampaignPhase.choices[0][0], rating=3
    )


def test_unanswered_feedback_in_singular_and_plural(
    marketing_user: User, make_user: Callable[..., User], page_as: Callable[..., Any]
) -> None:
    # given one piece of feedback from sales that marketing has not answered
    seller = make_user(Role.SELLER, username="verkauf")
    material = Material.objects.create(title="Datenblatt Linearachse")
    _feedback(material, seller)
    # then the home page and the weekly mail say so in the singular
    text = page_as(marketing_user).get("/").content.decode()
    assert "Auf 1 Feedback des Vertriebs zu Materialien fehlt noch Ihre Antwort." in text
    # and with three, in the plural
    _feedback(material, seller)
    _feedback(material, seller)
    text = page_as(marketing_user).get("/").content.decode()
    assert "Auf 3 Feedbacks des Vertriebs zu Materialien fehlt noch Ihre Antwort." in text
    context = alignment_home(marketing_user)
    assert context is not None
    assert alignment_digest_lines(context) == [
        "Auf 3 Feedbacks des Vertriebs zu Materialien fehlt noch Ihre Antwort."
    ]
