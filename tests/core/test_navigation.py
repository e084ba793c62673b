"""The main navigation: grouped, and every entry a role sees opens for that role (no 403 or 404 behind a link)."""

from __future__ import annotations

import re

import pytest

from handschlag.core.enums import Role
from handschlag.core.navigation import navigation_for, navigation_items_for
from tests.alliances.factories import PartnerFactory
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db

NAV_LINK = re.compile(r'<nav class="mainnav".*?</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')


def _nav_hrefs(html: str) -> list[str]:
    nav = NAV_LINK.search(html)
    assert nav is not None
    return HREF.findall(nav.group(0))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_navigation_link_opens_for_the_role_that_sees_it(role, page_as, make_user):
    extra = {"organisation": PartnerFactory().organisation} if role == Role.PARTNER_USER else {}
    client = page_as(make_user(role, language="en", **extra))

    hrefs = _nav_hrefs(client.get("/", follow=True).content.decode())

    assert hrefs, "every role sees at least one entry"
    assert sorted(hrefs) == sorted(set(hrefs))  # no entry twice
    answers = {href: client.get(href).status_code for href in hrefs}
    assert answers == dict.fromkeys(hrefs, 200)


@pytest.mark.parametrize(
    ("role", "groups"),
    [
        (Role.ADMIN, ["accounts", "partners", "complaints", "alignment", "insights", "settings"]),
        (Role.MANAGEMENT, ["accounts", "partners", "complaints", "alignment", "insights", "settings"]),
        (Role.SELLER, ["accounts", "partners", "complaints", "alignment", "insights"]),
        (Role.PARTNER_MANAGER, ["accounts", "partners", "complaints", "alignment", "insights"]),
        (Role.PROCESS_OWNER, ["accounts", "partners", "complaints", "alignment", "insights"]),
        (Role.MARKETING, ["accounts", "partners", "complaints", "alignment", "insights"]),
        (Role.PARTNER_USER, ["portal"]),
    ],
)
def test_groups_per_role(role, groups, make_user):
    assert [group.key for group in navigation_for(make_user(role))] == groups


def test_a_group_with_one_entry_is_a_link_with_the_groups_or_the_entrys_label(make_user):
    marketing = {group.key: group for group in navigation_for(make_user(Role.MARKETING, language="en"))}
    management = {group.key: group for group in navigation_for(make_user(Role.MANAGEMENT, language="en"))}

    assert marketing["accounts"].link is not None
    assert str(marketing["accounts"].label) == "Accounts"  # the list is the group's first entry
    assert management["settings"].link is not None
    assert str(management["settings"].label) == "Audit log"  # not "Administration" for the audit log alone
    assert management["complaints"].link is None  # a drop-down
    assert [str(item.label) for item in management["complaints"].items] == [
        "Complaint list",
        "Complaints overview",
        "Complaint figures",
    ]


def test_the_current_entry_is_the_longest_matching_path(make_user):
    groups = navigation_for(make_user(Role.MANAGEMENT), "/partners/offers/3/")

    current = [(group.key, item.url) for group in groups for item in group.items if item.current]

    assert current == [("partners", "/partners/offers/")]
    assert [group.key for group in groups if group.current] == ["partners"]


def test_mapping_pages_belong_to_the_partners_entry(make_user):
    groups = navigation_for(make_user(Role.PARTNER_MANAGER), "/mappings/runs/4/")

    assert [item.url for group in groups for item in group.items if item.current] == ["/partners/"]


def test_partner_users_see_only_the_portal(make_user):
    items = navigation_items_for(make_user(Role.PARTNER_USER))

    assert [item.url_name for item in items] == [
        "portal:home",
        "portal:leads",
        "portal:registrations",
        "portal:opportunities",
    ]


def test_the_top_bar_renders_groups_as_drop_downs_without_script(page_as, make_user):
    html = page_as(make_user(Role.ADMIN, language="de")).get("/complaints/").content.decode()

    assert '<details name="topnav"><summary>Reklamationen</summary>' in html
    assert '<li class="navgroup current" data-group="complaints">' in html
    assert '<a href="/complaints/" aria-current="page">Reklamationsliste</a>' in html
    assert 'id="menu-toggle"' in html  # the phone's menu button is a checkbox, no script needed
    assert "<style" not in html
    assert 'style="' not in html


@pytest.mark.parametrize("role", [Role.SELLER, Role.PROCESS_OWNER, Role.MARKETING])
def test_roles_without_offer_triage_get_no_link_to_it(role, page_as, make_user):
    client = page_as(make_user(role, language="en"))

    assert "/partners/offers/" not in client.get("/partners/").content.decode()
    assert client.get("/partners/offers/").status_code in {403, 404}


def test_partner_list_links_offer_triage_for_those_who_triage(page_as, make_user):
    html = page_as(make_user(Role.PARTNER_MANAGER, language="en")).get("/partners/").content.decode()

    assert html.count('href="/partners/offers/"') == 2  # the navigation and the page


def test_capability_filter_refuses_an_unknown_name(make_user):
    from django.template import Context, Template

    template = Template('{% load capabilities %}{% if user|may:"offers.triage" %}yes{% else %}no{% endif %}')

    assert template.render(Context({"user": make_user(Role.PARTNER_MANAGER)})) == "yes"
    assert template.render(Context({"user": make_user(Role.SELLER)})) == "no"
    with pytest.raises(ValueError):
        Template('{% load capabilities %}{{ user|may:"no.such" }}').render(
            Context({"user": make_user(Role.SELLER)})
        )
