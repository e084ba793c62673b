"""What a partner user receives from each partner-facing mapping endpoint is exactly the list of keys in
docs/partner-portal.md ("What the partner API answers, exactly"), and never one of our internal keys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from handschlag.core.enums import Role
from handschlag.mapping.models import MappingRun
from tests.mapping.helpers import (
    PARTNER_CSV,
    filler_rows,
    opted_in_agreement,
    our_accounts,
    run_mapping,
    upload,
)

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "partner-portal.md"


def _documented_keys() -> dict[str, set[str]]:
    """The table of the section "What the partner API answers, exactly": answer → its keys."""
    section = DOC.read_text(encoding="utf-8").split("## What the partner API answers, exactly", 1)[1]
    section = section.split("\n## ", 1)[0]
    table: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in {"answer", "---"}:
            continue
        table[cells[0]] = set(re.findall(r"`([^`]+)`", cells[1]))
    return table


@pytest.fixture
def answers(
    make_user: Any, api_as: Any, page_as: Any, django_capture_on_commit_callbacks: Any
) -> dict[str, set[str]]:
    """Every partner-facing mapping answer, as the partner user gets it: label in the doc → the keys he got."""
    manager = make_user(Role.PARTNER_MANAGER)
    partner_user = make_user(Role.PARTNER_USER)
    our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=partner_user)
    without_alpha = PARTNER_CSV.replace(
        "P-1;Alpha Antriebe GmbH;alpha-antriebe.de;70173;Stuttgart;Kunde\n", ""
    )
    run_mapping(
        django_capture_on_commit_callbacks,
        actor=manager,
        agreement=agreement,
        content=without_alpha + filler_rows(1, start=700),
    )
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)  # Alpha is new
    client = api_as(partner_user)
    base = f"/api/v1/mappings/{run.pk}"
    rules = client.get(f"/api/v1/mappings/sharing-rules/{agreement.pk}").json()
    portal = client.get("/api/v1/mappings/portal").json()
    matrix = client.get(f"{base}/matrix").json()
    overlap = client.get(f"{base}/overlap").json()
    changes = client.get(f"{base}/changes").json()
    known = set(MappingRun.objects.values_list("pk", flat=True))
    page_as(partner_user).post(
        f"/portal/agreements/{agreement.pk}/upload/",
        {
            "source": "clear",
            "default_population": "customer",
            "file": upload(PARTNER_CSV),
            "confirm_columns": "on",
        },
    )
    waiting = MappingRun.objects.exclude(pk__in=known).get()
    columns = client.get(f"/api/v1/mappings/{waiting.pk}/columns").json()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/api/v1/mappings/{waiting.pk}/columns", {"columns": {}}).json()
    assert overlap["items"]  # the partner lists the customer row: there is a row to look at
    assert changes["new"]

    def keys_of_each(items: list[dict[str, Any]]) -> set[str]:
        found = {frozenset(item) for item in items}
        assert len(found) == 1, found  # every item has the same keys, whatever the rules show
        return set(next(iter(found)))

    return {
        "`GET /api/v1/mappings/sharing-rules/{agreement_id}`": set(rules),
        "each of its `rules`": keys_of_each(rules["rules"]),
        "`GET /api/v1/mappings/portal`, each run": keys_of_each(portal),
        "`GET /api/v1/mappings/{id}`": set(client.get(base).json()),
        "`GET /api/v1/mappings/{id}/matrix`, each cell": keys_of_each(matrix),
        "`GET /api/v1/mappings/{id}/overlap`": set(overlap),
        "each of its `items`": keys_of_each(overlap["items"]),
        "`GET /api/v1/mappings/{id}/changes`": set(changes),
        "each of its `new`": keys_of_each(changes["new"]),
        "`GET /api/v1/mappings/{id}/columns`, each column of his own upload": keys_of_each(columns),
        "`POST /api/v1/mappings/{id}/columns`": set(confirmed),
    }


def test_each_partner_answer_has_exactly_the_documented_keys(answers: dict[str, set[str]]) -> None:
    documented = _documented_keys()
    assert set(documented) == set(answers)
    for answer, keys in answers.items():
        assert keys == documented[answer], answer


def test_no_partner_answer_carries_our_internal_keys(answers: dict[str, set[str]]) -> None:
    internal = {
        "account_id",
        "our_count",
        "match_count",
        "partner_count",
        "source",
        "original_name",
        "message",
    }
    internal |= {"gone", "score_details", "counts_released_at", "progress_percent", "overlap_visible"}
    for answer, keys in answers.items():
        assert not keys & internal, answer


def test_our_people_get_exact_counts_and_our_keys(
    make_user: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=make_user(Role.PARTNER_USER))
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    client = api_as(manager)
    cells = {
        (cell["our_population"], cell["partner_population"]): cell
        for cell in client.get(f"/api/v1/mappings/{run.pk}/matrix").json()
    }
    assert set(cells[("open_opportunity", "prospect")]) == {
        "our_population",
        "partner_population",
        "count",
        "drill_down",
        "fields",
    }
    assert (
        cells[("open_opportunity", "prospect")]["count"] == 1
    )  # exact for us, "fewer than 5" for the partner
    assert "account_id" in client.get(f"/api/v1/mappings/{run.pk}/overlap").json()["items"][0]
    assert client.get(f"/api/v1/mappings/{run.pk}").json()["our_count"] == 4
