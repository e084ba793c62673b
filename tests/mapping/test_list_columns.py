"""Column mapping of a partner's list in clear (issue 11, deliverable 1; docs/adr/0106, 7): the detected columns
with sample values after the upload, changed by hand before the run starts, on our pages, in the portal (the
partner user's own uploads only) and in the API; saved column mappings reused; bad mappings refused clearly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handschlag.accounts.import_services import saved_column_mapping_find, saved_column_mapping_save
from handschlag.core.enums import Role
from handschlag.core.errors import InvalidInput
from handschlag.core.inputs import input_build
from handschlag.core.models import AuditEvent
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.core.tasks import run_pending_jobs
from handschlag.mapping.enums import MappingStatus
from handschlag.mapping.inputs import MappingRunInput
from handschlag.mapping.models import MappingMatch, MappingRun
from handschlag.mapping.partner_lists import PartnerListError, list_columns, read_clear_list
from handschlag.mapping.services import mapping_run_create
from tests.mapping.helpers import PARTNER_CSV, opted_in_agreement, our_accounts, upload

pytestmark = pytest.mark.django_db

# the partner's CRM calls the company "Gegenüber" and the population "Segmentierung": neither is detected
ODD_CSV = PARTNER_CSV.replace(
    "Kundennummer;Firma;Website;PLZ;Ort;Status\n", "Kundennummer;Gegenüber;Website;PLZ;Ort;Segmentierung\n", 1
)
BY_HAND = {"Gegenüber": "name", "Segmentierung": "population"}


@pytest.fixture
def world(make_user: Any) -> dict[str, Any]:
    manager = make_user(Role.PARTNER_MANAGER, language="en")
    partner_user = make_user(Role.PARTNER_USER, language="en")
    other = make_user(Role.PARTNER_USER, language="en")
    accounts = our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=partner_user)
    other_agreement = opted_in_agreement(manager=manager, partner_user=other)
    return {
        "manager": manager,
        "partner_user": partner_user,
        "other": other,
        "agreement": agreement,
        "other_agreement": other_agreement,
        **accounts,
    }


def _matched(run: MappingRun) -> set[tuple[int, str, str]]:
    return {
        (match.account_id, match.our_population, match.partner_population)
        for match in MappingMatch.objects.filter(run=run)
    }


def _expected(world: dict[str, Any]) -> set[tuple[int, str, str]]:
    # Alpha is "Kunde", Beta "Interessent", Gamma "offene Chance" in the partner's population column
    return {
        (world["alpha"].pk, "customer", "customer"),
        (world["beta"].pk, "open_opportunity", "prospect"),
        (world["gamma"].pk, "prospect", "open_opportunity"),
    }


def _waiting_run(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, actor: Any = None
) -> MappingRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = mapping_run_create(
            actor=actor or world["manager"],
            agreement=world["agreement"],
            upload=upload(ODD_CSV),
            data=input_build(MappingRunInput, {"confirm_columns": True}),
        )
    run_pending_jobs()
    run.refresh_from_db()
    assert run.status == MappingStatus.COLUMNS  # nothing runs before the columns are confirmed
    return run


# --- the reader ------------------------------------------------------------------------------------------------


def test_the_reader_takes_an_unusual_company_column_and_population_column_mapped_by_hand(
    tmp_path: Any,
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(ODD_CSV, encoding="utf-8")
    with pytest.raises(PartnerListError, match="No column for the company name"):
        read_clear_list(path, source="odd.csv", default_population="customer", skip_bad_rows=False)
    partner_list = read_clear_list(
        path, source="odd.csv", default_population="customer", skip_bad_rows=False, columns=BY_HAND
    )
    first = partner_list.rows[0]
    assert (first.record.id, first.record.name, first.population) == (
        "P-1",
        "Alpha Antriebe GmbH",
        "customer",
    )
    assert partner_list.rows[2].population == "open_opportunity"
    # ignoring the id column by hand: the records get line ids
    ignored = read_clear_list(
        path,
        source="odd.csv",
        default_population="prospect",
        skip_bad_rows=False,
        columns={"Gegenüber": "name", "Kundennummer": ""},
    )
    assert ignored.rows[0].record.id == "line-2"
    assert ignored.rows[0].population == "prospect"  # "Segmentierung" is not detected as the population
    shown = list_columns(path, source="odd.csv", columns=BY_HAND)
    assert shown[1] == {"column": "Gegenüber", "field": "name", "sample": "Alpha Antriebe GmbH"}
    assert shown[5] == {"column": "Segmentierung", "field": "population", "sample": "Kunde"}
    assert shown[0]["field"] == "external_id"


# --- our pages -------------------------------------------------------------------------------------------------


def test_our_page_shows_the_detected_columns_and_the_mapping_by_hand_is_matched_and_saved(
    world: dict[str, Any], page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = page_as(world["manager"])
    agreement = world["agreement"]
    form = client.get(f"/partners/agreements/{agreement.pk}/").content.decode()
    assert 'name="confirm_columns"' in form
    assert 'name="columns"' in form
    answer = client.post(
        f"/mappings/agreements/{agreement.pk}/runs/",
        {
            "source": "clear",
            "default_population": "customer",
            "file": upload(ODD_CSV),
            "confirm_columns": "on",
        },
    )
    run = MappingRun.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/mappings/runs/{run.pk}/columns/"
    assert run.status == MappingStatus.COLUMNS
    # the run page sends those who may confirm to the columns page
    assert client.get(f"/mappings/runs/{run.pk}/")["Location"] == f"/mappings/runs/{run.pk}/columns/"
    page = client.get(f"/mappings/runs/{run.pk}/columns/").content.decode()
    assert 'data-column="Gegenüber" data-field=""' in page  # not detected: shown as ignored
    assert 'data-column="Website" data-field="domain"' in page
    assert "alpha-antriebe.de" in page
    assert "Alpha Antriebe GmbH" in page
    assert 'name="save_as"' in page
    headers = ["Kundennummer", "Gegenüber", "Website", "PLZ", "Ort", "Segmentierung"]
    chosen = {"Gegenüber": "name", "Segmentierung": "population"}
    post = {f"column-{index}": chosen.get(header, "keep") for index, header in enumerate(headers)}
    post.update(
        {"column-0": "external_id", "column-2": "domain", "column-3": "postal_code", "column-4": "city"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(
            f"/mappings/runs/{run.pk}/columns/", {**post, "save_as": "Partner Glanzwerk export"}
        )
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"/mappings/runs/{run.pk}/"
    run_pending_jobs()
    run.refresh_from_db()
    assert run.status == MappingStatus.DONE, run.message
    assert run.columns["Gegenüber"] == "name"
    assert _matched(run) == _expected(world)
    saved = saved_column_mapping_find("partner glanzwerk export")
    assert saved is not None
    assert saved.columns["Gegenüber"] == "name"
    assert "Segmentierung" not in saved.columns  # the population is no account field
    assert AuditEvent.objects.filter(action="mapping_run.columns", target_id=str(run.pk)).exists()
    # confirmed once: a second confirmation is refused with a message, nothing changes
    again = client.post(f"/mappings/runs/{run.pk}/columns/", post, follow=True)
    assert "already confirmed" in again.content.decode()


def test_a_saved_mapping_is_reused_on_the_upload_form_and_on_the_columns_page(
    world: dict[str, Any], page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    saved = saved_column_mapping_save(
        actor=world["manager"],
        name="Partner Glanzwerk export",
        columns={"Gegenüber": "name", "Inhaber": "owner"},
    )
    client = page_as(world["manager"])
    form = client.get(f"/partners/agreements/{world['agreement'].pk}/").content.decode()
    assert f'<option value="{saved.pk}">Partner Glanzwerk export</option>' in form
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/mappings/agreements/{world['agreement'].pk}/runs/",
            {
                "source": "clear",
                "default_population": "customer",
                "file": upload(ODD_CSV),
                "saved_mapping": str(saved.pk),
                "columns": "Segmentierung = population",
            },
        )
    run_pending_jobs()
    run = MappingRun.objects.get()
    assert run.status == MappingStatus.DONE, run.message
    # an account field of the saved mapping ("owner") is ignored for a partner's list
    assert run.columns == {"Gegenüber": "name", "Inhaber": "", "Segmentierung": "population"}
    assert _matched(run) == _expected(world)
    # the columns page applies a saved mapping before the user confirms
    waiting = _waiting_run(world, django_capture_on_commit_callbacks)
    page = client.get(f"/mappings/runs/{waiting.pk}/columns/?saved={saved.pk}").content.decode()
    assert 'data-column="Gegenüber" data-field="name"' in page
    assert 'value="Partner Glanzwerk export"' in page


def test_bad_columns_on_our_pages_are_refused_with_clear_messages(
    world: dict[str, Any], page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = page_as(world["manager"])
    agreement = world["agreement"]
    base = {"source": "clear", "default_population": "customer"}
    unknown = client.post(
        f"/mappings/agreements/{agreement.pk}/runs/",
        {**base, "file": upload(ODD_CSV), "columns": "Gegenüber = company_nickname"},
        follow=True,
    ).content.decode()
    assert "“company_nickname” is not a field of a partner&#x27;s list" in unknown
    twice = client.post(
        f"/mappings/agreements/{agreement.pk}/runs/",
        {**base, "file": upload(ODD_CSV), "columns": "Gegenüber = name\nOrt = name"},
        follow=True,
    ).content.decode()
    assert "Two columns are mapped to “Name”; choose one." in twice
    no_equals = client.post(
        f"/mappings/agreements/{agreement.pk}/runs/",
        {**base, "file": upload(ODD_CSV), "columns": "Gegenüber name"},
        follow=True,
    ).content.decode()
    assert "Line 1: write “Column in the file = field”." in no_equals
    unknown_saved = client.post(
        f"/mappings/agreements/{agreement.pk}/runs/",
        {**base, "file": upload(ODD_CSV), "saved_mapping": "999999"},
        follow=True,
    )
    assert unknown_saved.status_code == 200  # the choice is refused by the form
    assert MappingRun.objects.count() == 0
    # on the columns page: two columns on one field, then no name column at all
    run = _waiting_run(world, django_capture_on_commit_callbacks)
    answer = client.post(f"/mappings/runs/{run.pk}/columns/", {"column-1": "name", "column-4": "name"})
    assert answer.status_code == 400
    assert "Two columns are mapped to “Name”; choose one." in answer.content.decode()
    answer = client.post(f"/mappings/runs/{run.pk}/columns/", {"column-1": ""})
    assert answer.status_code == 400
    assert "No column for the company name" in answer.content.decode()
    run.refresh_from_db()
    assert run.status == MappingStatus.COLUMNS
    assert run.columns == {}


def test_the_columns_page_in_german(
    world: dict[str, Any], make_user: Any, page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = _waiting_run(world, django_capture_on_commit_callbacks)
    german = make_user(Role.MANAGEMENT, language="de")
    page = page_as(german).get(f"/mappings/runs/{run.pk}/columns/").content.decode()
    assert "Spalten von partner.csv" in page
    assert "Abgleich mit diesen Spalten starten" in page
    assert ">Segment</option>" in page
    assert (
        "Wartet auf die Prüfung der Spalten"
        in page_as(german).get(f"/partners/agreements/{run.agreement_id}/").content.decode()
    )


@pytest.mark.parametrize("role", list(Role.values))
def test_the_columns_page_and_api_per_role(
    world: dict[str, Any],
    role: str,
    make_user: Any,
    page_as: Any,
    api_as: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    run = _waiting_run(world, django_capture_on_commit_callbacks)
    user = make_user(role)
    if has_capability(user, Capability.MAPPINGS_RUN):
        expected = 200
    elif is_internal(user) and has_capability(user, Capability.PARTNERS_VIEW):
        expected = 403
    else:
        expected = 404  # partner users of another partner, and those who see no partnerships
    page = page_as(user).get(f"/mappings/runs/{run.pk}/columns/")
    assert page.status_code == expected
    api = api_as(user).get(f"/api/v1/mappings/{run.pk}/columns")
    assert api.status_code == expected
    posted = page_as(user).post(f"/mappings/runs/{run.pk}/columns/", {"column-1": "name"})
    assert posted.status_code == (302 if expected == 200 else expected)
    run.refresh_from_db()
    assert (run.status == MappingStatus.QUEUED) == (expected == 200)
    if expected == 404:
        assert "Gegenüber" not in page.content.decode() + api.content.decode()


# --- the API ---------------------------------------------------------------------------------------------------


def test_api_upload_with_explicit_columns_and_with_a_saved_mapping_by_name(
    world: dict[str, Any], api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api = api_as(world["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            "/api/v1/mappings",
            {"agreement_id": world["agreement"].pk, "source": "clear", "columns": json.dumps(BY_HAND)},
            files={"file": upload(ODD_CSV)},
        )
    assert created.status_code == 201, created.content
    run_pending_jobs()
    run = MappingRun.objects.get(pk=created.json()["id"])
    assert run.status == MappingStatus.DONE, run.message
    assert _matched(run) == _expected(world)
    saved_column_mapping_save(actor=world["manager"], name="Glanzwerk", columns={"Gegenüber": "name"})
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(
            "/api/v1/mappings",
            {"agreement_id": world["agreement"].pk, "source": "clear", "saved_mapping": "glanzwerk"},
            files={"file": upload(ODD_CSV)},
        )
    assert again.status_code == 201, again.content
    run_pending_jobs()
    second = MappingRun.objects.get(pk=again.json()["id"])
    assert second.status == MappingStatus.DONE
    # the saved mapping names no population column: every record has the default population
    assert {(account, theirs) for account, _ours, theirs in _matched(second)} == {
        (world[name].pk, "customer") for name in ("alpha", "beta", "gamma")
    }


def test_api_confirm_columns_flow(
    world: dict[str, Any], api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api = api_as(world["manager"])
    created = api.post(
        "/api/v1/mappings",
        {"agreement_id": world["agreement"].pk, "source": "clear", "confirm_columns": "true"},
        files={"file": upload(ODD_CSV)},
    )
    assert created.status_code == 201
    assert created.json()["status"] == "columns"
    run_id = created.json()["id"]
    columns = api.get(f"/api/v1/mappings/{run_id}/columns").json()
    assert columns[1] == {"column": "Gegenüber", "field": "", "sample": "Alpha Antriebe GmbH"}
    assert columns[3] == {"column": "PLZ", "field": "postal_code", "sample": "70173"}
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api.post(
            f"/api/v1/mappings/{run_id}/columns", {"columns": BY_HAND, "save_as": "Glanzwerk API"}
        )
    assert confirmed.status_code == 202, confirmed.content
    assert confirmed.json()["status"] == "queued"
    run_pending_jobs()
    run = MappingRun.objects.get(pk=run_id)
    assert run.status == MappingStatus.DONE
    assert _matched(run) == _expected(world)
    assert saved_column_mapping_find("Glanzwerk API") is not None
    late = api.post(f"/api/v1/mappings/{run_id}/columns", {"columns": BY_HAND})
    assert late.status_code == 409


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"Gegenüber": "nickname"}, "“nickname” is not a field of a partner's list"),
        ({"Gegenüber": "name", "Ort": "name"}, "Two columns are mapped to “Name”; choose one."),
        (
            {"Gegenüber": "population", "Segmentierung": "population"},
            "Two columns are mapped to “Population”",
        ),
        ({"Ort": "name", "Gegenüber": "population"}, None),  # works, yet maps nonsense: no check can tell
        ({"Gegenüber": ""}, "No column for the company name"),
    ],
)
def test_api_bad_columns_are_refused_with_clear_messages(
    world: dict[str, Any], api_as: Any, columns: dict[str, str], message: str | None
) -> None:
    api = api_as(world["manager"])
    created = api.post(
        "/api/v1/mappings",
        {"agreement_id": world["agreement"].pk, "source": "clear", "columns": json.dumps(columns)},
        files={"file": upload(ODD_CSV)},
    )
    if message is None:
        assert created.status_code == 201
        return
    assert created.status_code == 400, created.content
    error = created.json()["error"]
    assert message in " ".join(error["fields"]["columns"])
    assert MappingRun.objects.count() == 0
    waiting = api.post(
        "/api/v1/mappings",
        {"agreement_id": world["agreement"].pk, "source": "clear", "confirm_columns": "true"},
        files={"file": upload(ODD_CSV)},
    ).json()
    confirmed = api.post(f"/api/v1/mappings/{waiting['id']}/columns", {"columns": columns})
    assert confirmed.status_code == 400
    assert message in " ".join(confirmed.json()["error"]["fields"]["columns"])


def test_api_refuses_columns_that_are_no_json_object_and_columns_for_an_encoded_file(
    world: dict[str, Any], api_as: Any
) -> None:
    api = api_as(world["manager"])
    for text in ("Gegenüber=name", '["name"]', '{"Gegenüber": 3}'):
        answer = api.post(
            "/api/v1/mappings",
            {"agreement_id": world["agreement"].pk, "source": "clear", "columns": text},
            files={"file": upload(ODD_CSV)},
        )
        assert answer.status_code == 400
        assert "JSON object" in answer.json()["error"]["fields"]["columns"][0]
    encoded = api.post(
        "/api/v1/mappings",
        {"agreement_id": world["agreement"].pk, "source": "encoded", "columns": json.dumps(BY_HAND)},
        files={"file": upload(ODD_CSV)},
    )
    assert encoded.status_code == 400
    assert "list in clear only" in encoded.json()["error"]["fields"]["columns"][0]
    unknown = api.post(
        "/api/v1/mappings",
        {"agreement_id": world["agreement"].pk, "source": "clear", "saved_mapping": "Nobody's export"},
        files={"file": upload(ODD_CSV)},
    )
    assert unknown.status_code == 400
    assert (
        "There is no saved column mapping “Nobody's export”."
        in unknown.json()["error"]["fields"]["saved_mapping"]
    )


# --- the partner portal ----------------------------------------------------------------------------------------


def test_the_partner_user_checks_the_columns_of_his_own_list_in_the_portal(
    world: dict[str, Any], page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    saved_column_mapping_save(
        actor=world["manager"], name="Partner Glanzwerk export", columns={"Gegenüber": "name"}
    )
    client = page_as(world["partner_user"])
    home = client.get("/portal/").content.decode()
    assert 'name="confirm_columns"' in home
    assert "Glanzwerk" not in home
    assert 'name="saved_mapping"' not in home
    answer = client.post(
        f"/portal/agreements/{world['agreement'].pk}/upload/",
        {
            "source": "clear",
            "default_population": "customer",
            "file": upload(ODD_CSV),
            "confirm_columns": "on",
            "saved_mapping": "Partner Glanzwerk export",  # no such field in the portal: ignored
        },
    )
    run = MappingRun.objects.get()
    assert answer["Location"] == f"/portal/uploads/{run.pk}/columns/"
    assert run.columns == {}
    assert client.get(f"/portal/uploads/{run.pk}/")["Location"] == f"/portal/uploads/{run.pk}/columns/"
    page = client.get(f"/portal/uploads/{run.pk}/columns/").content.decode()
    assert 'data-column="Gegenüber" data-field=""' in page
    assert "Alpha Antriebe GmbH" in page
    assert 'name="save_as"' not in page
    assert 'name="saved"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(
            f"/portal/uploads/{run.pk}/columns/", {"column-1": "name", "column-5": "population"}
        )
    assert confirmed["Location"] == f"/portal/uploads/{run.pk}/"
    run_pending_jobs()
    run.refresh_from_db()
    assert run.status == MappingStatus.DONE, run.message
    assert _matched(run) == _expected(world)
    # another partner's user, and our pages: 404 for him
    other = page_as(world["other"])
    assert other.get(f"/portal/uploads/{run.pk}/columns/").status_code == 404
    assert other.post(f"/portal/uploads/{run.pk}/columns/", {"column-1": "name"}).status_code == 404
    assert client.get(f"/mappings/runs/{run.pk}/columns/").status_code == 404


def test_the_partner_api_for_columns_is_his_own_and_allow_listed(
    world: dict[str, Any], page_as: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ours = _waiting_run(world, django_capture_on_commit_callbacks)  # uploaded by our partner manager
    page_as(world["partner_user"]).post(
        f"/portal/agreements/{world['agreement'].pk}/upload/",
        {
            "source": "clear",
            "default_population": "customer",
            "file": upload(ODD_CSV),
            "confirm_columns": "on",
        },
    )
    his = MappingRun.objects.exclude(pk=ours.pk).get()
    api = api_as(world["partner_user"])
    columns = api.get(f"/api/v1/mappings/{his.pk}/columns")
    assert columns.status_code == 200
    assert all(set(column) == {"column", "field", "sample"} for column in columns.json())
    # our upload for his agreement, and another partner's user: 404, as for a run that does not exist
    assert api.get(f"/api/v1/mappings/{ours.pk}/columns").status_code == 404
    assert api.post(f"/api/v1/mappings/{ours.pk}/columns", {"columns": BY_HAND}).status_code == 404
    assert api_as(world["other"]).get(f"/api/v1/mappings/{his.pk}/columns").status_code == 404
    assert api.get("/api/v1/mappings/999999/columns").status_code == 404
    refused = api.post(f"/api/v1/mappings/{his.pk}/columns", {"columns": BY_HAND, "save_as": "Mine"})
    assert refused.status_code == 400
    assert "save_as" in refused.json()["error"]["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api.post(f"/api/v1/mappings/{his.pk}/columns", {"columns": BY_HAND})
    assert confirmed.status_code == 202
    assert set(confirmed.json()) == {
        "id",
        "agreement_id",
        "status",
        "counts_shown",
        "created_at",
        "finished_at",
    }
    run_pending_jobs()
    his.refresh_from_db()
    assert his.status == MappingStatus.DONE
    assert _matched(his) == _expected(world)


def test_a_partner_user_cannot_use_our_saved_mappings(world: dict[str, Any]) -> None:
    saved_column_mapping_save(
        actor=world["manager"], name="Partner Glanzwerk export", columns={"Gegenüber": "name"}
    )
    with pytest.raises(InvalidInput) as raised:
        mapping_run_create(
            actor=world["partner_user"],
            agreement=world["agreement"],
            upload=upload(ODD_CSV),
            data=input_build(MappingRunInput, {"saved_mapping": "Partner Glanzwerk export"}),
        )
    assert "There is no saved column mapping" in raised.value.message
    assert MappingRun.objects.count() == 0


def test_a_column_header_with_a_nul_character_is_refused(world: dict[str, Any], api_as: Any) -> None:
    answer = api_as(world["manager"]).post(
        "/api/v1/mappings",
        {
            "agreement_id": world["agreement"].pk,
            "source": "clear",
            "columns": json.dumps({"Gegen\x00über": "name"}),
        },
        files={"file": upload(ODD_CSV)},
    )
    assert answer.status_code == 400
    assert "NUL" in answer.json()["error"]["fields"]["columns"][0]
    assert MappingRun.objects.count() == 0
