"""A "counts only" row must not name companies (docs/adr/0305): bands of k, one run per cool-down shows counts,
a smallest list. The attack of issue 9 is replayed and must learn nothing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from handschlag.accounts.enums import AccountStatus
from handschlag.core.enums import Role
from handschlag.mapping.enums import MappingStatus
from handschlag.mapping.models import MappingMatch, MappingSettings
from handschlag.mapping.selectors import overlap_cells_for
from handschlag.mapping.services import share_exclusion_add
from handschlag.mapping.sharing import Band, count_band
from tests.factories import AccountFactory
from tests.mapping.helpers import (
    HEADER,
    PARTNER_CSV,
    filler_rows,
    opted_in_agreement,
    our_accounts,
    run_mapping,
)

pytestmark = pytest.mark.django_db

RULES = {  # the row under attack is our customers, shared as counts only
    "customer": {"level": "counts"},
    "open_opportunity": {"level": "accounts", "fields": ["city"]},
}
X_LINE = "P-X;Xaver Xylografie GmbH;xaver-xylografie.de;01067;Dresden;{population}\n"


def _our_customers() -> dict[str, Any]:
    accounts = our_accounts()  # Alpha (customer), Beta (open opportunity), Gamma, Nur Bei Uns
    for name, domain, postal_code, city in [
        ("Delta Drehteile", "delta-drehteile.de", "90402", "Nürnberg"),
        ("Epsilon Elektro", "epsilon-elektro.de", "04109", "Leipzig"),
        ("Zeta Zangen", "zeta-zangen.de", "28195", "Bremen"),
    ]:
        AccountFactory(
            name=name, domain=domain, postal_code=postal_code, city=city, status=AccountStatus.CUSTOMER
        )
    accounts["x"] = AccountFactory(
        name="Xaver Xylografie",
        domain="xaver-xylografie.de",
        postal_code="01067",
        city="Dresden",
        status=AccountStatus.CUSTOMER,
    )
    return accounts


def _base_list() -> str:
    """19 records: four of our customers tagged as the partner's customers, Beta and Gamma, 13 only his."""
    return (
        HEADER + "P-1;Alpha Antriebe GmbH;alpha-antriebe.de;70173;Stuttgart;Kunde\n"
        "P-2;Beta Blech AG;beta-blech.de;80331;München;Interessent\n"
        "P-3;Gamma Guss KG;gamma-guss.de;50667;Köln;offene Chance\n"
        "P-5;Delta Drehteile GmbH;delta-drehteile.de;90402;Nürnberg;Kunde\n"
        "P-6;Epsilon Elektro GmbH;epsilon-elektro.de;04109;Leipzig;Kunde\n"
        "P-7;Zeta Zangen GmbH;zeta-zangen.de;28195;Bremen;Kunde\n" + filler_rows(13)
    )


# The issue's attack: five uploads in a row; the probed name gets a population of its own, then moves, then is
# replaced by a name that matches nothing — one name changed from upload to upload.
UPLOADS = [
    _base_list() + X_LINE.format(population="Interessent"),  # alone in the column "prospect"
    _base_list() + X_LINE.format(population="Kunde"),  # with the four customers: 4 or 5?
    _base_list() + X_LINE.format(population="offene Chance"),
    _base_list() + filler_rows(1, start=800),  # the same list without him
    _base_list() + X_LINE.format(population="ehemaliger Kunde"),
]


def _without_ids(value: Any) -> Any:
    """An answer without the ids and times that differ between the two worlds by construction."""
    if isinstance(value, dict):
        return {key: _without_ids(item) for key, item in value.items() if key not in WORLD_SPECIFIC}
    if isinstance(value, list):
        return [_without_ids(item) for item in value]
    return value


WORLD_SPECIFIC = {"id", "agreement_id", "previous_run_id", "created_at", "finished_at"}


def _page_matrix(html: str) -> str:
    table = re.search(r'<table class="list" data-testid="matrix">.*?</table>', html, re.S)
    notes = re.search(r'<section class="card" data-testid="counts-protection">.*?</section>', html, re.S)
    assert table is not None
    assert notes is not None
    matrix = re.sub(r"/portal/mappings/\d+/", "/portal/mappings/RUN/", table.group(0))
    return matrix + re.sub(r"\d{2}\.\d{2}\.\d{4}|\d{1,2}/\d{1,2}/\d{2,4}", "DATE", notes.group(0))


def _observe(api: Any, page: Any, run_id: int) -> dict[str, Any]:
    """Everything the partner user receives about one run, through the API and the portal page."""
    base = f"/api/v1/mappings/{run_id}"
    return {
        "run": _without_ids(api.get(base).json()),
        "matrix": _without_ids(api.get(f"{base}/matrix").json()),
        "overlap": _without_ids(api.get(f"{base}/overlap").json()),
        "changes": _without_ids(api.get(f"{base}/changes").json()),
        "page": _page_matrix(page.get(f"/portal/mappings/{run_id}/").content.decode()),
    }


def _attack(
    *, manager: Any, partner_user: Any, api_as: Any, page_as: Any, capture: Any
) -> tuple[list[dict[str, Any]], list[Any]]:
    agreement = opted_in_agreement(manager=manager, partner_user=partner_user, rules=RULES)
    runs = []
    for content in UPLOADS:
        run = run_mapping(capture, actor=partner_user, agreement=agreement, content=content)
        assert run.status == MappingStatus.DONE, run.message
        runs.append(run)
    # after the cool-down the tagging attack once more: counts are shown again, as bands
    MappingSettings.objects.filter(agreement=agreement).update(
        counts_released_at=runs[0].finished_at - dt.timedelta(days=31)
    )
    runs.append(run_mapping(capture, actor=partner_user, agreement=agreement, content=UPLOADS[0]))
    api, page = api_as(partner_user), page_as(partner_user)
    return [_observe(api, page, run.pk) for run in runs], runs


def test_the_attack_of_issue_9_learns_nothing_about_the_probed_name(
    make_user: Any, api_as: Any, page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given our accounts, among them Xaver Xylografie, a customer, in a row shared as "counts only"
    manager = make_user(Role.PARTNER_MANAGER)
    accounts = _our_customers()
    # when a partner runs the attack while Xaver is our customer …
    member_view, member_runs = _attack(
        manager=manager,
        partner_user=make_user(Role.PARTNER_USER, language="en"),
        api_as=api_as,
        page_as=page_as,
        capture=django_capture_on_commit_callbacks,
    )
    # … and another partner runs it while Xaver is none of ours (never shared = left out of every run)
    share_exclusion_add(actor=manager, account=accounts["x"], reason="the other world")
    stranger_view, stranger_runs = _attack(
        manager=manager,
        partner_user=make_user(Role.PARTNER_USER, language="en"),
        api_as=api_as,
        page_as=page_as,
        capture=django_capture_on_commit_callbacks,
    )
    # then the exact counts would have told them apart (our own people see them) …
    assert MappingMatch.objects.filter(run=member_runs[0], account=accounts["x"]).exists()
    assert not MappingMatch.objects.filter(run=stranger_runs[0], account=accounts["x"]).exists()

    def exact(run: Any, cell: tuple[str, str]) -> int | None:
        found = {
            (c.our_population, c.partner_population): c for c in overlap_cells_for(run, for_partner=False)
        }
        return found[cell].count

    assert (
        exact(member_runs[0], ("customer", "prospect")),
        exact(stranger_runs[0], ("customer", "prospect")),
    ) == (
        1,
        0,
    )
    assert (
        exact(member_runs[1], ("customer", "customer")),
        exact(stranger_runs[1], ("customer", "customer")),
    ) == (
        5,
        4,
    )
    assert count_band(5, 5) != count_band(4, 5)  # a band alone would have moved in the second upload
    # … but everything the partner receives is the same in both worlds, upload by upload
    for upload, (seen_as_member, seen_as_stranger) in enumerate(zip(member_view, stranger_view, strict=True)):
        for part in seen_as_member:
            assert seen_as_member[part] == seen_as_stranger[part], f"upload {upload + 1}, {part}"
    # and what he receives is: the first and the last run as bands, the four in between withheld
    assert [view["run"]["counts_shown"] for view in member_view] == [True, False, False, False, False, True]
    first = {(c["our_population"], c["partner_population"]): c for c in member_view[0]["matrix"]}
    assert (first[("customer", "prospect")]["count_from"], first[("customer", "prospect")]["count_to"]) == (
        0,
        4,
    )
    assert first[("customer", "customer")]["count"] is None
    second = {(c["our_population"], c["partner_population"]): c for c in member_view[1]["matrix"]}
    assert second[("customer", "customer")]["counts_withheld"] is True
    assert second[("customer", "customer")]["count_from"] is None
    assert "fewer than 5" in member_view[0]["page"]
    assert "withheld" in member_view[1]["page"]


def test_bands_start_at_zero_and_have_the_width_k() -> None:
    assert [count_band(count, 5) for count in (0, 1, 4, 5, 9, 10, 23)] == [
        Band(0, 4),
        Band(0, 4),
        Band(0, 4),
        Band(5, 9),
        Band(5, 9),
        Band(10, 14),
        Band(20, 24),
    ]
    assert count_band(2, 3) == Band(0, 2)


def test_a_run_within_the_cool_down_shows_no_counts_and_one_after_it_does(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=make_user(Role.PARTNER_USER), rules=RULES)
    first = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    second = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    assert (first.counts_released, second.counts_released) == (True, False)
    cells = overlap_cells_for(second, for_partner=True)
    customer_cells = [cell for cell in cells if cell.our_population == "customer"]
    assert all(cell.withheld and cell.band is None and cell.count is None for cell in customer_cells)
    # our own people still see the exact counts of the withheld run
    internal = {
        (c.our_population, c.partner_population): c.count
        for c in overlap_cells_for(second, for_partner=False)
    }
    assert internal[("customer", "customer")] == 1
    # deleting the run that showed its counts does not open the cool-down early
    first.delete()
    third = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    assert third.counts_released is False
    MappingSettings.objects.filter(agreement=agreement).update(
        counts_released_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    fourth = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    assert fourth.counts_released is True


def test_a_list_below_the_smallest_size_fails_before_anything_is_matched(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=make_user(Role.PARTNER_USER))
    short_list = PARTNER_CSV.rsplit("P-115;", 1)[0]  # 19 records
    run = run_mapping(
        django_capture_on_commit_callbacks, actor=manager, agreement=agreement, content=short_list
    )
    assert run.status == MappingStatus.FAILED
    assert run.message == (
        "partner.csv has 19 usable records; this agreement maps lists of at least 20 records, so that no count "
        "points to a single company."
    )
    assert MappingMatch.objects.count() == 0
    assert MappingSettings.objects.filter(agreement=agreement, counts_released_at__isnull=False).count() == 0


def test_the_partner_manager_sets_k_on_the_api_never_below_3_and_the_partner_agrees_again(
    make_user: Any, api_as: Any
) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    agreement = opted_in_agreement(manager=manager, partner_user=make_user(Role.PARTNER_USER))
    client = api_as(manager)
    url = f"/api/v1/mappings/sharing-rules/{agreement.pk}"
    assert client.get(url).json()["min_cell_size"] == 5  # the default
    refused = client.put(url, {"min_cell_size": 2})
    assert refused.status_code == 400
    assert "min_cell_size" in refused.json()["error"]["fields"]
    assert not MappingSettings.objects.filter(agreement=agreement).exists()
    agreement.refresh_from_db()
    assert agreement.both_opted_in
    answer = client.put(url, {"min_cell_size": 10, "count_release_days": 90})
    assert answer.status_code == 200
    assert (answer.json()["min_cell_size"], answer.json()["count_release_days"]) == (10, 90)
    agreement.refresh_from_db()
    assert not agreement.both_opted_in  # the partner agreed to k = 5


def test_the_partner_manager_sets_k_on_the_sharing_rules_page(make_user: Any, page_as: Any) -> None:
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    agreement = opted_in_agreement(manager=manager)
    client = page_as(manager)
    page = client.get(f"/partners/agreements/{agreement.pk}/").content.decode()
    assert 'name="min_cell_size"' in page
    form = {
        "level_customer": "counts",
        "level_open_opportunity": "counts",
        "level_prospect": "hidden",
        "level_former_customer": "hidden",
        "min_cell_size": "7",
        "min_list_records": "20",
        "count_release_days": "30",
    }
    client.post(f"/mappings/agreements/{agreement.pk}/rules/", form)
    assert MappingSettings.objects.get(agreement=agreement).min_cell_size == 7
    client.post(f"/mappings/agreements/{agreement.pk}/rules/", {**form, "min_cell_size": "2"})
    assert MappingSettings.objects.get(agreement=agreement).min_cell_size == 7  # refused: at least 3


def test_the_portal_page_explains_the_bands_and_what_remains_in_german(
    make_user: Any, page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    partner_user = make_user(Role.PARTNER_USER, language="de")
    our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=partner_user)
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    page = page_as(partner_user).get(f"/portal/mappings/{run.pk}/").content.decode()
    assert "weniger als 5" in page
    assert "Was bleibt" in page
