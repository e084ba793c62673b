"""The management dashboard printed (A4 width: the phone layout) shows no menu button and no filters; the shared
goals' form keeps its button at the button's own height beside the owners' list."""

from __future__ import annotations

import pytest

from handschlag.core.enums import Role
from tests.browser import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
A4_WIDTH = {"width": 794, "height": 1123}  # px at 96 dpi


def test_printed_dashboard_has_no_menu_button_and_the_goal_button_is_not_stretched(browser_page):
    # given management logged in, the page as wide as an A4 sheet
    UserFactory(username="hanna", role=Role.MANAGEMENT)
    page = browser_page
    page.set_viewport_size(A4_WIDTH)
    log_in(page, "hanna", PASSWORD)
    # when the dashboard is printed
    page.goto("/insights/")
    page.emulate_media(media="print")
    # then neither the menu button nor the filters are on paper, the figures are
    assert not page.locator(".menu-button").is_visible()
    assert not page.locator("form.filters").is_visible()
    assert page.locator(".insights-module").first.is_visible()
    # and on screen, the goal form's button is a button, not a block as tall as the owners' list
    page.emulate_media(media="screen")
    page.goto("/insights/goals/")
    button = page.locator("form.card button.primary").bounding_box()
    owners = page.locator("select[name=owner_ids]").bounding_box()
    assert button is not None
    assert owners is not None
    assert button["height"] < owners["height"] / 2
