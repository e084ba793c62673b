"""The home page's tiles show the accounts figures (the accounts app registers them with core.home)."""

from __future__ import annotations

import pytest

from handschlag.core.enums import Role
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_home_tiles_show_the_account_figures(page_as, make_user):
    seller = make_user(Role.SELLER, language="en")
    AccountFactory(owner=seller, status="customer")
    AccountFactory(status="prospect")

    response = page_as(seller).get("/")

    assert response.context["summary"]["total"] == 2
    html = response.content.decode()
    assert '<span class="figure">2</span><span>accounts</span>' in html
    assert '<span class="figure">1</span><span>looked after by me</span>' in html
