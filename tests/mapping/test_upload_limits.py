"""Partner lists cannot exhaust the worker: the reader's limits apply to lists in clear, encoded files are checked
before their data is read (records, id length, compression), and a partner organisation uploads at most
HANDSCHLAG_PARTNER_UPLOADS_PER_HOUR lists an hour (a form error on the portal, 429 in the API's error shape)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from django.test import RequestFactory, override_settings

from handschlag.core.enums import Role
from handschlag.core.errors import TooManyRequests
from handschlag.mapping.enums import MappingStatus
from handschlag.mapping.models import MappingRun
from handschlag.matching.blocking import ALL_BLOCKING_KEY_EXPRESSIONS
from handschlag.matching.encoding import EXACT_KEY_FIELDS, FILTER_LAYOUTS, _metadata
from tests.mapping.helpers import (
    HEADER,
    PARTNER_CSV,
    filler_rows,
    opted_in_agreement,
    our_accounts,
    run_mapping,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user: Any) -> dict[str, Any]:
    manager = make_user(Role.PARTNER_MANAGER)
    partner_user = make_user(Role.PARTNER_USER, language="en")
    our_accounts()
    return {
        "manager": manager,
        "partner_user": partner_user,
        "agreement": opted_in_agreement(manager=manager, partner_user=partner_user),
    }


# --- lists in clear: the reader's limits ------------------------------------------------------------------------


def test_a_clear_list_over_the_row_limit_fails_before_matching(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    rows = PARTNER_CSV.count("\n") - 1
    with override_settings(HANDSCHLAG_IMPORT_MAX_ROWS=rows - 1):
        run = run_mapping(
            django_capture_on_commit_callbacks, actor=world["manager"], agreement=world["agreement"]
        )

    assert (run.status, run.message) == (
        MappingStatus.FAILED,
        f"partner.csv has more than {rows - 1} rows; at most {rows - 1} are accepted. Split the file.",
    )
    assert run.partner_count == 0


def test_a_clear_list_at_the_row_limit_is_mapped(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with override_settings(HANDSCHLAG_IMPORT_MAX_ROWS=PARTNER_CSV.count("\n") - 1):
        run = run_mapping(
            django_capture_on_commit_callbacks, actor=world["manager"], agreement=world["agreement"]
        )

    assert run.status == MappingStatus.DONE, run.message


def test_a_clear_list_with_a_too_long_cell(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    content = HEADER + "P-1;" + "A" * 41 + ";a.de;70173;Stuttgart;Kunde\n" + filler_rows(19)
    with override_settings(HANDSCHLAG_IMPORT_MAX_CELL_CHARS=40):
        run = run_mapping(
            django_capture_on_commit_callbacks,
            actor=world["manager"],
            agreement=world["agreement"],
            content=content,
        )

    assert (run.status, run.message) == (
        MappingStatus.FAILED,
        "Line 2 of partner.csv has a cell of 41 characters; at most 40 are accepted.",
    )


# --- encoded files ----------------------------------------------------------------------------------------------


def encoded_file(tmp_path: Path, *, records: int, id_chars: int = 8, compression: str | None = None) -> bytes:
    """An encoded file of the right shape (ids, keys, filters of the right widths), written as a partner could."""
    zeros = np.zeros(records, dtype=np.uint64)
    columns: dict[str, pa.Array] = {"id": pa.array([f"{index:0{id_chars}d}" for index in range(records)])}
    for field in EXACT_KEY_FIELDS:
        columns[f"exact_{field}"] = pa.array(zeros)
    for index in range(len(ALL_BLOCKING_KEY_EXPRESSIONS)):
        columns[f"block_{index}"] = pa.array(zeros)
    for field, layout in FILTER_LAYOUTS.items():
        raw = pa.py_buffer(np.zeros(records * layout.words * 8, dtype=np.uint8))
        columns[f"filter_{field}"] = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(layout.words * 8), records, [None, raw]
        )
    metadata = _metadata() | {"secret_fingerprint": "not-this-agreements"}
    table = pa.table(columns).replace_schema_metadata({"handschlag": json.dumps(metadata)})
    path = tmp_path / "partner.encoded"
    options = pa.ipc.IpcWriteOptions(compression=compression) if compression else None
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return path.read_bytes()


def test_an_encoded_file_over_the_record_limit_fails_before_its_data_is_read(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    content = encoded_file(tmp_path, records=21)
    with override_settings(HANDSCHLAG_IMPORT_MAX_ROWS=20):
        run = run_mapping(
            django_capture_on_commit_callbacks,
            actor=world["manager"],
            agreement=world["agreement"],
            content=content,
            source="encoded",
        )

    assert (run.status, run.message) == (
        MappingStatus.FAILED,
        "partner.csv has more than 20 records; at most 20 are accepted.",
    )


def test_an_encoded_file_at_the_record_limit_is_read(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    content = encoded_file(tmp_path, records=20)
    with override_settings(HANDSCHLAG_IMPORT_MAX_ROWS=20):
        run = run_mapping(
            django_capture_on_commit_callbacks,
            actor=world["manager"],
            agreement=world["agreement"],
            content=content,
            source="encoded",
        )

    # read, then refused only because the partner's test file was not made with the agreement's secret
    assert run.status == MappingStatus.FAILED
    assert "was encoded with another secret" in run.message


def test_an_encoded_file_with_a_too_long_id(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    with override_settings(HANDSCHLAG_MAPPING_MAX_ID_CHARS=30):
        run = run_mapping(
            django_capture_on_commit_callbacks,
            actor=world["manager"],
            agreement=world["agreement"],
            content=encoded_file(tmp_path, records=20, id_chars=31),
            source="encoded",
        )

    assert (run.status, run.message) == (
        MappingStatus.FAILED,
        "Record 1 of partner.csv has an id of 31 characters; at most 30 are accepted.",
    )


def test_a_compressed_encoded_file_is_refused_before_it_is_unpacked(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any, tmp_path: Path
) -> None:
    run = run_mapping(
        django_capture_on_commit_callbacks,
        actor=world["manager"],
        agreement=world["agreement"],
        content=encoded_file(tmp_path, records=20, compression="zstd"),
        source="encoded",
    )

    assert (run.status, run.message) == (
        MappingStatus.FAILED,
        "partner.csv is not an encoded file from “handschlag encode”: this is not a file made by "
        "'handschlag encode' (its data is compressed)",
    )


# --- uploads per hour -------------------------------------------------------------------------------------------


def _portal_post(client: Any, agreement_id: int) -> Any:
    data = {"source": "clear", "default_population": "customer", "file": upload(PARTNER_CSV)}
    return client.post(f"/portal/agreements/{agreement_id}/upload/", data)


@override_settings(HANDSCHLAG_PARTNER_UPLOADS_PER_HOUR=2)
def test_a_partner_organisation_uploads_at_most_the_hourly_limit(world: dict[str, Any], page_as: Any) -> None:
    client = page_as(world["partner_user"])
    assert [_portal_post(client, world["agreement"].pk).status_code for _ in range(2)] == [302, 302]

    refused = _portal_post(client, world["agreement"].pk)

    assert refused.status_code == 400  # the page again, with the form error
    assert (
        "Your organisation has uploaded 2 lists within the last hour; at most 2 are accepted per hour. "
        "Please try again in 60 minutes."
    ) in refused.content.decode()
    assert MappingRun.objects.count() == 2


@override_settings(HANDSCHLAG_PARTNER_UPLOADS_PER_HOUR=2)
def test_uploads_older_than_an_hour_no_longer_count(world: dict[str, Any], page_as: Any) -> None:
    client = page_as(world["partner_user"])
    for _ in range(2):
        _portal_post(client, world["agreement"].pk)
    MappingRun.objects.update(created_at=MappingRun.objects.first().created_at - dt.timedelta(minutes=61))

    assert _portal_post(client, world["agreement"].pk).status_code == 302
    assert MappingRun.objects.count() == 3


@override_settings(HANDSCHLAG_PARTNER_UPLOADS_PER_HOUR=1)
def test_our_partner_managers_are_not_limited(
    world: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    for _ in range(2):
        run_mapping(django_capture_on_commit_callbacks, actor=world["manager"], agreement=world["agreement"])

    assert MappingRun.objects.count() == 2


def test_the_api_answers_too_many_requests_with_429_in_the_one_error_shape() -> None:
    from handschlag.api import api

    request = RequestFactory().post("/api/v1/mappings")
    response = api.on_exception(
        request, TooManyRequests("Too many uploads.", retry_after_seconds=120, field="file")
    )

    assert response.status_code == 429
    assert response["Retry-After"] == "120"
    assert json.loads(response.content) == {
        "error": {
            "code": "too_many_requests",
            "message": "Too many uploads.",
            "fields": {"file": ["Too many uploads."]},
        }
    }
