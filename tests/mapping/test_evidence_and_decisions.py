"""Every matched pair carries the engine's evidence; our people see it (in their language) and confirm or reject the
pair; a rejected pair stays out of later runs of the agreement; the partner never sees evidence nor our ids."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from handschlag.core.audit_sentences import audit_sentence
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from handschlag.mapping.models import MappingMatch, MatchDecision
from tests.mapping.helpers import PARTNER_CSV, opted_in_agreement, our_accounts, run_mapping

pytestmark = pytest.mark.django_db

INTERNAL_VIEWERS = [
    Role.SELLER,
    Role.PARTNER_MANAGER,
    Role.PROCESS_OWNER,
    Role.MARKETING,
    Role.MANAGEMENT,
    Role.ADMIN,
]


@pytest.fixture
def world(make_user: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    manager = make_user(Role.PARTNER_MANAGER, language="de")
    partner_user = make_user(Role.PARTNER_USER, language="en")
    accounts = our_accounts()
    agreement = opted_in_agreement(
        manager=manager,
        partner_user=partner_user,
        rules={
            "customer": {"level": "accounts", "fields": ["city", "owner"]},
            "open_opportunity": {"level": "accounts", "fields": []},
            "prospect": {"level": "accounts", "fields": []},
        },
    )
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    return {"manager": manager, "partner_user": partner_user, "agreement": agreement, "run": run, **accounts}


def _match(run: Any, account: Any) -> MappingMatch:
    return MappingMatch.objects.select_related("partner_record").get(run=run, account=account)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_each_pair_stores_the_engines_evidence(world: dict[str, Any]) -> None:
    match = _match(world["run"], world["alpha"])
    by_field = {item["field"]: item for item in match.evidence}
    assert by_field["domain"]["outcome"] == "agrees"
    assert by_field["domain"]["weight"] > 0
    assert by_field["postal_code"]["outcome"] == "agrees"
    assert by_field["vat_id"]["outcome"] == "missing"  # neither side has one: counts neither way
    assert by_field["name"]["outcome"] in {"agrees", "similar"}
    assert by_field["name"]["weight"] > 0
    assert match.partner_record.stable_key == "id:P-1"  # the partner's own id (Kundennummer)


def test_the_drill_down_and_the_pair_page_explain_the_match_in_german(
    world: dict[str, Any], page_as: Any
) -> None:
    client = page_as(world["manager"])
    run, match = world["run"], _match(world["run"], world["alpha"])
    drill = _text(client.get(f"/mappings/runs/{run.pk}/?our=customer"))
    assert "Warum sie passen" in drill
    assert "gleiche domain" in drill.lower()
    assert "gleiche PLZ" in drill
    page = client.get(f"/mappings/runs/{run.pk}/pairs/{match.pk}/")
    assert page.status_code == 200
    text = _text(page)
    assert "Warum diese Datensätze passen" in text
    assert "gleiche domain" in text.lower()
    assert "gleicher Ort" in text
    assert "USt-IdNr." in text
    assert "fehlt auf einer Seite" in text
    assert "Nicht dasselbe Unternehmen: ablehnen" in text


@pytest.mark.parametrize("role", INTERNAL_VIEWERS)
def test_our_people_who_see_partnerships_read_the_evidence_by_api(
    world: dict[str, Any], make_user: Any, api_as: Any, role: str
) -> None:
    run, match = world["run"], _match(world["run"], world["alpha"])
    viewer = make_user(role, language="en")
    response = api_as(viewer).get(f"/api/v1/mappings/{run.pk}/pairs/{match.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["account_id"] == world["alpha"].pk
    assert body["partner_record_id"] == "P-1"
    assert {item["field"] for item in body["evidence"]} >= {"name", "domain", "postal_code", "city"}
    assert "same domain" in body["evidence_text"].lower()
    overlap = api_as(viewer).get(f"/api/v1/mappings/{run.pk}/overlap").json()["items"]
    alpha = next(row for row in overlap if row["account_id"] == world["alpha"].pk)
    assert alpha["match_id"] == match.pk
    assert "same postal code" in alpha["evidence_text"]


def test_a_partner_user_never_sees_evidence_nor_our_ids(
    world: dict[str, Any], page_as: Any, api_as: Any
) -> None:
    run, match = world["run"], _match(world["run"], world["alpha"])
    partner = world["partner_user"]
    assert page_as(partner).get(f"/mappings/runs/{run.pk}/pairs/{match.pk}/").status_code == 404
    api = api_as(partner)
    assert api.get(f"/api/v1/mappings/{run.pk}/pairs/{match.pk}").status_code == 404
    assert (
        api.put(f"/api/v1/mappings/{run.pk}/pairs/{match.pk}/decision", {"verdict": "rejected"}).status_code
        == 404
    )
    assert api.delete(f"/api/v1/mappings/{run.pk}/pairs/{match.pk}/decision").status_code == 404
    rows = api.get(f"/api/v1/mappings/{run.pk}/overlap").json()["items"]
    assert rows
    assert all(
        set(row)
        == {
            "our_population",
            "partner_population",
            "name",
            "partner_record_id",
            "partner_record_name",
            "score",
            "city",
            "domain",
            "owner",
            "open_opportunity",
        }
        for row in rows
    )
    portal = page_as(partner).get(f"/portal/mappings/{run.pk}/?our=customer")
    assert portal.status_code == 200
    text = _text(portal)
    assert "Alpha Antriebe" in text
    assert "Same domain" not in text
    assert "Why they match" not in text
    assert f"/pairs/{match.pk}/" not in portal.content.decode()
    assert not MatchDecision.objects.exists()


def test_a_rejected_pair_stays_rejected_in_later_runs(
    world: dict[str, Any], page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run, beta = world["run"], world["beta"]
    match = _match(run, beta)
    response = page_as(world["manager"]).post(
        f"/mappings/runs/{run.pk}/pairs/{match.pk}/", {"verdict": "rejected", "note": "Schwesterfirma"}
    )
    assert response.status_code == 302
    decision = MatchDecision.objects.get()
    assert (decision.account_id, decision.partner_key, decision.verdict) == (beta.pk, "id:P-2", "rejected")
    assert MappingMatch.objects.filter(run=run, account=beta).exists()  # this run is left as it was
    event = AuditEvent.objects.get(action="mapping_match.reject")
    with translation.override("de"):
        assert "hat die Zuordnung des Kunden" in audit_sentence(event)
        assert "Beta Blech AG" in audit_sentence(event)

    again = run_mapping(
        django_capture_on_commit_callbacks, actor=world["manager"], agreement=world["agreement"]
    )
    assert not MappingMatch.objects.filter(run=again, account=beta).exists()
    assert MappingMatch.objects.filter(run=again, account=world["alpha"]).exists()
    assert (again.match_count, again.rejected_count) == (2, 1)
    assert (
        "1 früher abgelehntes Paar wurde ausgelassen." in again.message
    )  # in the language of who started it
    page = _text(page_as(world["manager"]).get(f"/mappings/runs/{again.pk}/"))
    assert "Abgelehnte Paare dieser Partnerschaft" in page
    assert "Schwesterfirma" in page

    # a third run with the partner's rows in another order still leaves the pair out: kept by the partner's id
    lines = PARTNER_CSV.splitlines(keepends=True)
    third = run_mapping(
        django_capture_on_commit_callbacks,
        actor=world["manager"],
        agreement=world["agreement"],
        content=lines[0] + "".join(reversed(lines[1:])),
    )
    assert not MappingMatch.objects.filter(run=third, account=beta).exists()
    assert third.rejected_count == 1


def test_a_list_without_ids_keeps_the_rejection_by_name_and_place(
    world: dict[str, Any], api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    no_ids = "\n".join(line.split(";", 1)[1] for line in PARTNER_CSV.splitlines()) + "\n"
    run = run_mapping(
        django_capture_on_commit_callbacks,
        actor=world["manager"],
        agreement=world["agreement"],
        content=no_ids,
    )
    match = _match(run, world["gamma"])
    assert match.partner_record.stable_key == "name:gamma guss kg|50667"
    response = api_as(world["manager"]).put(
        f"/api/v1/mappings/{run.pk}/pairs/{match.pk}/decision", {"verdict": "rejected"}
    )
    assert response.status_code == 200
    assert response.json()["decision"]["verdict"] == "rejected"
    moved = no_ids.replace("Gamma Guss KG", "GAMMA GUSS KG")  # other line order and spelling: the same key
    again = run_mapping(
        django_capture_on_commit_callbacks,
        actor=world["manager"],
        agreement=world["agreement"],
        content=moved,
    )
    assert not MappingMatch.objects.filter(run=again, account=world["gamma"]).exists()
    assert again.rejected_count == 1


def test_confirm_and_withdraw(world: dict[str, Any], api_as: Any, page_as: Any) -> None:
    run, match = world["run"], _match(world["run"], world["alpha"])
    api = api_as(world["manager"])
    confirmed = api.put(
        f"/api/v1/mappings/{run.pk}/pairs/{match.pk}/decision", {"verdict": "confirmed", "note": "ok"}
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["decision"]["verdict"] == "confirmed"
    assert api.get(f"/api/v1/mappings/{run.pk}/pairs/{match.pk}").json()["decision"]["note"] == "ok"
    drill = _text(page_as(world["manager"]).get(f"/mappings/runs/{run.pk}/?our=customer"))
    assert "bestätigt" in drill
    assert (
        AuditEvent.objects.filter(action="mapping_match.confirm", target_id=str(world["alpha"].pk)).count()
        == 1
    )
    assert api.delete(f"/api/v1/mappings/{run.pk}/pairs/{match.pk}/decision").status_code == 204
    assert not MatchDecision.objects.exists()
    assert AuditEvent.objects.filter(action="mapping_match.reopen").count() == 1
    assert api.delete(f"/api/v1/mappings/{run.pk}/pairs/{match.pk}/decision").status_code == 404
    invalid = api.put(f"/api/v1/mappings/{run.pk}/pairs/{match.pk}/decision", {"verdict": "maybe"})
    assert invalid.status_code == 400


@pytest.mark.parametrize("role", [Role.SELLER, Role.PROCESS_OWNER, Role.MARKETING, Role.ADMIN])
def test_who_does_not_run_mappings_may_not_decide(
    world: dict[str, Any], make_user: Any, api_as: Any, page_as: Any, role: str
) -> None:
    run, match = world["run"], _match(world["run"], world["alpha"])
    user = make_user(role)
    assert (
        api_as(user)
        .put(f"/api/v1/mappings/{run.pk}/pairs/{match.pk}/decision", {"verdict": "rejected"})
        .status_code
        == 403
    )
    assert (
        page_as(user).post(f"/mappings/runs/{run.pk}/pairs/{match.pk}/", {"verdict": "rejected"}).status_code
        == 403
    )
    page = page_as(user).get(f"/mappings/runs/{run.pk}/pairs/{match.pk}/")
    assert page.status_code == 200
    assert b'name="verdict"' not in page.content
    assert not MatchDecision.objects.exists()


@pytest.mark.parametrize("role", [Role.PARTNER_MANAGER, Role.MANAGEMENT])
def test_who_runs_mappings_may_decide(world: dict[str, Any], make_user: Any, api_as: Any, role: str) -> None:
    run, match = world["run"], _match(world["run"], world["alpha"])
    response = api_as(make_user(role)).put(
        f"/api/v1/mappings/{run.pk}/pairs/{match.pk}/decision", {"verdict": "confirmed"}
    )
    assert response.status_code == 200


def test_a_pair_of_another_run_is_not_found(
    world: dict[str, Any], api_as: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    match = _match(world["run"], world["alpha"])
    other = opted_in_agreement(manager=world["manager"])
    other_run = run_mapping(django_capture_on_commit_callbacks, actor=world["manager"], agreement=other)
    assert (
        api_as(world["manager"]).get(f"/api/v1/mappings/{other_run.pk}/pairs/{match.pk}").status_code == 404
    )


def test_the_pages_say_what_an_encoded_list_protects_against(world: dict[str, Any], page_as: Any) -> None:
    run_page = _text(page_as(world["manager"]).get(f"/mappings/runs/{world['run'].pk}/"))
    assert "Was eine verschlüsselte Liste schützt und was nicht" in run_page
    assert "Vermutungen" in run_page or "vermutet" in run_page
    portal = _text(page_as(world["partner_user"]).get("/portal/"))
    assert "What an encoded list protects against, and what it does not" in portal
    assert "It does not protect against the side that holds the secret." in portal


def test_our_csv_export_says_why_and_the_partners_does_not(world: dict[str, Any], page_as: Any) -> None:
    run = world["run"]
    ours = b"".join(page_as(world["manager"]).get(f"/mappings/runs/{run.pk}/export.csv").streaming_content)
    header, *lines = ours.decode("utf-8-sig").splitlines()
    assert "Warum sie passen" in header
    assert any("Alpha Antriebe" in line and "gleiche PLZ" in line for line in lines)
    theirs = b"".join(
        page_as(world["partner_user"]).get(f"/portal/mappings/{run.pk}/export.csv").streaming_content
    )
    text = theirs.decode("utf-8-sig")
    assert "Alpha Antriebe" in text
    assert "Why they match" not in text
    assert "same postal code" not in text
    assert "gleiche PLZ" not in text


def test_records_of_one_company_all_map_and_count_once(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from handschlag.accounts.enums import AccountStatus
    from handschlag.mapping.selectors import overlap_cells_for
    from tests.factories import AccountFactory
    from tests.mapping.helpers import HEADER, filler_rows

    manager = make_user(Role.PARTNER_MANAGER)
    agreement = opted_in_agreement(manager=manager, partner_user=make_user(Role.PARTNER_USER))
    fields = {
        "domain": "delta-druck.de",
        "street": "Ringstraße 4",
        "postal_code": "90402",
        "city": "Nürnberg",
    }
    delta = AccountFactory(name="Delta Druck", legal_form="GmbH", status=AccountStatus.CUSTOMER, **fields)
    delta_twin = AccountFactory(
        name="Delta Druck", legal_form="GmbH", status=AccountStatus.PROSPECT, **fields
    )
    content = (
        HEADER
        + "P-7;Delta Druck GmbH;delta-druck.de;90402;Nürnberg;Interessent\n"
        + "P-8;DELTA DRUCK GMBH;www.delta-druck.de;90402;Nürnberg;Kunde\n"
        + filler_rows(18)
    )
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement, content=content)
    matches = list(MappingMatch.objects.filter(run=run).select_related("partner_record"))
    pairs = {(match.account_id, match.partner_record.external_id) for match in matches}
    assert pairs == {(delta.pk, "P-7"), (delta.pk, "P-8"), (delta_twin.pk, "P-7"), (delta_twin.pk, "P-8")}
    assert len({match.cluster for match in matches}) == 1
    # the company's population is the highest of its records' on each side: a customer on both
    assert {(match.our_population, match.partner_population) for match in matches} == {
        ("customer", "customer")
    }
    assert (run.match_count, run.pair_count) == (1, 4)
    counts = {
        (cell.our_population, cell.partner_population): cell.count
        for cell in overlap_cells_for(run, for_partner=False)
    }
    assert counts[("customer", "customer")] == 1
    assert sum(count or 0 for count in counts.values()) == 1
