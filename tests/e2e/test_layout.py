"""Every role's main pages at 1280 px and at 390 px, in Chromium, on the demo organisation.

For each demo role: every navigation link and the first detail page behind each list opens (no 403/404), nothing
sticks out of the viewport sideways (wide tables scroll inside their .table-scroll wrapper), the top bar is one row
at 1280 px, and on the phone the menu button opens the navigation. Error pages render inside the layout.

With HANDSCHLAG_SHOTS=/some/dir, a screenshot of every page is written there for a person to look at.
"""

from __future__ import annotations

import io
import os
import re
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from handschlag.core.enums import Role
from handschlag.core.models import User
from tests.alliances.factories import PartnerFactory
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("HANDSCHLAG_SHOTS", "")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DEMO_USERS = ["admin", "leitung", "verkauf", "partner", "produktion", "marketing", "nordlicht"]
ONE_ROW = 60  # px: the top bar's height when it holds one row

# Elements whose right edge lies beyond the viewport, except inside a scroll wrapper (or hidden drop-downs).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    if (element.closest(".table-scroll")) continue;
    const name = element.tagName.toLowerCase() + (element.id ? "#" + element.id : "")
      + (element.className && typeof element.className === "string" ? "." + element.className.split(" ")[0] : "");
    out.push(name + " right=" + Math.round(box.right));
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, elements: out.slice(0, 5)};
}"""


def _context(chromium: Any, live_server: Any, user: User, viewport: dict[str, int]) -> Any:
    """A browser context logged in as the user (a session cookie, no login form: fast, and no password needed)."""
    client = Client()
    client.force_login(user)
    context = chromium.new_context(base_url=live_server.url, viewport=viewport, locale="de-DE")
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def _problems_on(page: Any, path: str) -> list[str]:
    found = page.evaluate(OVERFLOW)
    problems = []
    if found["scrollWidth"] > found["innerWidth"]:
        problems.append(
            f"{path}: the page scrolls sideways ({found['scrollWidth']} > {found['innerWidth']} px)"
        )
    problems.extend(f"{path}: {element} sticks out" for element in found["elements"])
    return problems


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def _first_detail_link(page: Any) -> str | None:
    """The first link to a detail page (a path ending in an id) in the page's lists, else anywhere in main: the
    page a user opens next."""
    current = "/" + page.url.split("//", 1)[-1].split("/", 1)[-1]
    for selector in ("main table.list tbody a[href^='/']", "main a[href^='/']"):
        hrefs = page.eval_on_selector_all(selector, "links => links.map(link => link.getAttribute('href'))")
        for href in hrefs:
            if re.fullmatch(r"/[a-z-]+/(?:[a-z-]+/)*\d+/", href) and href != current:
                return href
    return None


def _visit_main_pages(page: Any, username: str) -> tuple[list[str], list[str]]:
    """Home, every navigation link, and two levels of detail pages behind each list (a partner, then its
    agreement with the sharing rules), each at 1280 and at 390 px; returns (pages seen, problems)."""
    problems: list[str] = []
    page.goto("/")
    nav_links = page.eval_on_selector_all(
        "nav.mainnav a[href]", "links => links.map(link => link.getAttribute('href'))"
    )
    to_visit: list[tuple[str, int]] = [("/", 0)] + [(link, 1) for link in nav_links]
    seen: list[str] = []
    while to_visit:
        path, depth = to_visit.pop(0)
        if path in seen:
            continue
        seen.append(path)
        page.set_viewport_size(DESKTOP)
        response = page.goto(path)
        status = response.status if response else 0
        if status != 200:
            problems.append(f"{path}: answered {status}")
            continue
        name = path.strip("/").replace("/", "_") or "home"
        for label, viewport in (("1280", DESKTOP), ("390", PHONE)):
            page.set_viewport_size(viewport)  # the same page, laid out again for the other width
            problems.extend(f"at {label} px, {problem}" for problem in _problems_on(page, path))
            _shot(page, f"{username}-{label}-{name}")
        detail = _first_detail_link(page) if 1 <= depth < 3 else None
        if detail and detail not in seen:
            to_visit.insert(0, (detail, depth + 1))
    return seen, problems


@pytest.fixture
def demo() -> dict[str, User]:
    # What migration core/0002 created (our company, the usual departments) is gone when an earlier transactional
    # test flushed the database; the demo builds on it.
    import_module("handschlag.core.migrations.0002_home_organisation_and_departments").create(
        django_apps, None
    )
    call_command("demo", size="small", stdout=io.StringIO())
    return {user.username: user for user in User.objects.filter(username__in=DEMO_USERS)}


def test_every_roles_main_pages_fit_and_open_at_1280_and_390_px(chromium, live_server, demo):
    assert sorted(demo) == sorted(DEMO_USERS)
    problems: list[str] = []
    for username in DEMO_USERS:
        context = _context(chromium, live_server, demo[username], DESKTOP)
        page = context.new_page()
        seen, found = _visit_main_pages(page, username)
        problems.extend(f"{username} {problem}" for problem in found)
        assert len(seen) >= 2, f"{username}: home and at least one navigation entry"
        page.set_viewport_size(DESKTOP)
        page.goto("/")
        height = page.locator("header.topbar").bounding_box()["height"]
        if height > ONE_ROW:
            problems.append(f"{username} at 1280 px: the top bar is {height:.0f} px high")
        page.set_viewport_size(PHONE)
        problems.extend(f"{username} at 390 px: {problem}" for problem in _phone_menu(page, username))
        context.close()
    assert problems == [], "\n".join(problems)


def _phone_menu(page: Any, username: str) -> list[str]:
    """The menu button opens the navigation; a group opens; nothing sticks out while the menu is open."""
    problems = []
    first_link = page.locator("nav.mainnav a").first
    if first_link.is_visible():
        problems.append("the navigation shows before the menu button is pressed")
    page.click("label.menu-button")
    if not page.locator("nav.mainnav").is_visible():
        return ["the menu button does not open the navigation"]
    groups = page.locator("nav.mainnav summary")
    if groups.count():
        groups.first.click()
        if not page.locator("nav.mainnav details[open] .navmenu a").first.is_visible():
            problems.append("a group of the menu does not open")
    if not page.locator(".usermenu summary").is_visible():
        problems.append("the user menu (log out) is not in the menu")
    problems.extend(_problems_on(page, "/ with the menu open"))
    _shot(page, f"{username}-390-menu-open")
    return problems


@pytest.fixture
def seller_and_partner_user() -> tuple[User, User]:
    partner = PartnerFactory()
    return (
        UserFactory(username="jonas", role=Role.SELLER, language="de"),
        UserFactory(
            username="nils", role=Role.PARTNER_USER, organisation=partner.organisation, language="en"
        ),
    )


def test_error_pages_render_inside_the_layout(chromium, live_server, seller_and_partner_user):
    seller, partner_user = seller_and_partner_user
    problems: list[str] = []
    for user, path, testid, heading in (
        (seller, "/no-such-page/", "error-404", "Seite nicht gefunden"),
        (seller, "/settings/users/", "error-403", "Kein Zugriff"),
        (partner_user, "/accounts/", None, None),  # 403 or 404: whichever, inside the layout, in English
    ):
        for label, viewport in (("1280", DESKTOP), ("390", PHONE)):
            context = _context(chromium, live_server, user, viewport)
            page = context.new_page()
            response = page.goto(path)
            assert response is not None
            assert response.status in {403, 404}
            error = page.locator("[data-testid^=error-]")
            assert error.count() == 1
            if testid:
                assert error.get_attribute("data-testid") == testid
                assert page.locator("main h1").inner_text() == heading
            else:
                assert "Forbidden" not in page.content()
                assert page.locator("html").get_attribute("lang") == "en"
            assert page.locator("header.topbar nav.mainnav").count() == 1
            assert page.locator("main a[href='/']").count() == 1  # the way back
            problems.extend(_problems_on(page, f"{user.username} {path} at {label} px"))
            _shot(page, f"error-{user.username}-{label}-{path.strip('/').replace('/', '_')}")
            context.close()
    assert problems == [], "\n".join(problems)


def test_an_expired_form_gets_the_page_in_the_layout(chromium, live_server, seller_and_partner_user):
    seller, _partner_user = seller_and_partner_user
    context = _context(chromium, live_server, seller, PHONE)
    page = context.new_page()
    page.goto("/accounts/new/")
    page.evaluate("document.querySelector('main input[name=csrfmiddlewaretoken]').value = 'expired'")

    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    assert page.locator("[data-testid=error-csrf]").count() == 1
    assert page.locator("main h1").inner_text() == "Das Formular ist abgelaufen"
    assert _problems_on(page, "/accounts/new/ (expired)") == []
    _shot(page, "error-jonas-390-csrf")
    context.close()
