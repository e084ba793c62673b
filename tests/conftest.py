"""Shared fixtures: users of every role, API clients with bearer tokens, isolated media storage.

Tests that need PostgreSQL are marked `postgres` and skip on SQLite with a reason; browser tests are marked
`browser` and skip without /usr/bin/chromium (unless HANDSCHLAG_REQUIRE_BROWSER=1, as in CI, where a missing
browser is a failure).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from handschlag.core.enums import Role
from handschlag.core.models import User
from handschlag.core.services import api_token_create
from tests.factories import PartnerOrganisationFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    require_browser = os.environ.get("HANDSCHLAG_REQUIRE_BROWSER") == "1"
    for item in items:
        if item.get_closest_marker("browser") and not CHROMIUM.exists() and not require_browser:
            item.add_marker(pytest.mark.skip(reason="no /usr/bin/chromium: browser tests skipped"))
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Every test starts with an empty cache (the home page's cached totals must not outlive a test's data)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _isolated_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")


ALL_ROLES = [role.value for role in Role]
INTERNAL_ROLES = [role.value for role in Role if role != Role.PARTNER_USER]


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(role: str = Role.SELLER, **kwargs: Any) -> User:
        if role == Role.PARTNER_USER and "organisation" not in kwargs:
            kwargs["organisation"] = PartnerOrganisationFactory()
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def seller(make_user: Callable[..., User]) -> User:
    return make_user(Role.SELLER, username="seller")


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN, username="admin")


@pytest.fixture
def management_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.MANAGEMENT, username="management")


@pytest.fixture
def partner_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.PARTNER_USER, username="partner_user")


class ApiClient:
    """A test client that sends `Authorization: Bearer …` for one user and speaks JSON."""

    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _token, plaintext = api_token_create(actor=user, user=user, name="tests")
            self.headers["Authorization"] = f"Bearer {plaintext}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        if "files" in kwargs:
            return self.client.post(path, {**(data or {}), **kwargs["files"]}, headers=self.headers)
        return self.client.post(path, data or {}, content_type="application/json", headers=self.headers)

    def patch(self, path: str, data: Any) -> Any:
        return self.client.patch(path, data, content_type="application/json", headers=self.headers)

    def put(self, path: str, data: Any) -> Any:
        return self.client.put(path, data, content_type="application/json", headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)


@pytest.fixture
def api_as(db: None) -> Callable[[User | None], ApiClient]:
    return ApiClient


@pytest.fixture
def page_as(db: None) -> Callable[[User], Client]:
    def login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium for the whole session (Playwright's sync API allows one per thread)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) whose relative URLs go to the live server."""
    context = chromium.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
