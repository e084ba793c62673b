"""The co-selling figures of DESIGN §3.8 on the partner page and list: SVG charts (no inline style), each with
its table and a CSV whose numbers are the ones computed here by hand."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache

from handschlag.core.enums import Role
from handschlag.coselling.enums import InvolvementRole
from tests.alliances.factories import AgreementFactory
from tests.coselling.opportunity_helpers import T0, close, create, days, involve, move

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(seller):
    cache.clear()
    agreement = AgreementFactory()
    partner = agreement.partner
    for index in range(10):  # with the partner: 10 closed, 6 won, one of them a rescue
        deal = create(seller, at=T0)
        if index == 0:
            close(seller, deal, won=False, at=T0 + days(1))
            move(seller, deal, "Angebot", at=T0 + days(2), reopen=True)
        involve(seller, deal, partner.pk, at=T0 + days(3), role=InvolvementRole.INFLUENCED)
        close(seller, deal, won=index < 6, at=T0 + days(13))
    for index in range(12):  # alone: 12 closed, 3 won
        close(seller, create(seller, at=T0), won=index < 3, at=T0 + days(30))
    return partner


def _csv(answer):
    return list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))


def test_partner_page_shows_charts_tables_and_csv(history, make_user, page_as):
    client = page_as(make_user(Role.PARTNER_MANAGER, language="en"))
    page = client.get(f"/partners/{history.pk}/").content.decode()
    assert 'id="coselling-figures"' in page
    assert page.count("<svg") >= 5
    assert 'data-chart="win_rate"' in page
    assert "60 % (31 to 83 %) · n = 10" in page  # Wilson interval of 6 of 10
    assert "not enough history" not in page.split('data-chart="win_rate"')[1].split("data-chart")[0]
    rows = _csv(client.get(f"/coselling/figures/export.csv?chart=rescue&partner={history.pk}"))
    assert rows[1:] == [["early", "9"], ["to rescue a deal (late, at risk or lost)", "1"]]
    rows = _csv(client.get(f"/coselling/figures/export.csv?chart=win_rate&partner={history.pk}"))
    assert rows[2] == ["without a partner", "25 % (9 to 53 %) · n = 12"]


def test_partner_list_shows_the_figures_of_all_partners(history, make_user, page_as):
    client = page_as(make_user(Role.MANAGEMENT, language="en"))
    page = client.get("/partners/").content.decode()
    assert 'id="coselling-figures"' in page
    rows = _csv(client.get("/coselling/figures/export.csv?chart=rescue"))
    assert rows[1] == [history.name, "10 % (1 / 10)"]
    assert client.get("/coselling/figures/export.csv?chart=bogus").status_code == 404


def test_process_owner_sees_the_partner_page_without_the_figures(history, make_user, page_as):
    client = page_as(make_user(Role.PROCESS_OWNER))
    answer = client.get(f"/partners/{history.pk}/")
    assert answer.status_code == 200
    assert 'id="coselling-figures"' not in answer.content.decode()
    assert client.get("/coselling/figures/export.csv?chart=rescue").status_code == 404


def test_the_list_charts_follow_the_lists_filters(history, make_user, page_as):
    client = page_as(make_user(Role.MANAGEMENT, language="en"))
    page = client.get("/partners/", {"q": "Gibt es nicht"}).content.decode()
    assert history.name not in page
    page = client.get("/partners/", {"q": history.name[:8]}).content.decode()
    section = page.split('<section class="card" id="coselling-figures">')[1]
    assert history.name in section
