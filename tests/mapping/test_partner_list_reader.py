"""Issue 11: a partner's list for a mapping run is read like our own import — every company with a name kept,
bad fields as warnings, exact counts beyond the stored details, a column mapping passed through."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from handschlag.mapping import partner_lists
from handschlag.mapping.partner_lists import PartnerListError, partner_list_summary, read_clear_list
from tests.accounts.messy_export import FIELD_WARNINGS, KEPT_NAMES, NAMELESS_LINES, messy_export


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _read(path: Path, **options):
    return read_clear_list(
        path, source=path.name, default_population="customer", skip_bad_rows=True, **options
    )


def test_the_messy_export_keeps_every_named_row(tmp_path: Path) -> None:
    path = tmp_path / "partner.csv"
    path.write_bytes(messy_export())

    result = _read(path)

    assert [row.record.name for row in result.rows] == KEPT_NAMES
    assert result.skipped_rows == len(NAMELESS_LINES)
    warnings = sorted((e["line"], e["field"], e["value"]) for e in result.skipped if e["warning"])
    matching_fields = {"external_id", "name", "domain", "street", "postal_code", "city", "country", "vat_id"}
    assert warnings == sorted(w for w in FIELD_WARNINGS if w[1] in matching_fields)
    assert [e["line"] for e in result.skipped if not e["warning"]] == NAMELESS_LINES
    ids = [row.record.id for row in result.rows]
    # a repeated customer number (line 17) and a missing one (line 12): ids of their own, the companies kept
    assert ids[:2] == ["K-1001", "K-1002"]
    assert {"line-12", "line-17"} <= set(ids)
    countries = {row.record.name: row.record.country for row in result.rows}
    assert (
        countries["Brighton Tools Ltd"],
        countries["Van Dijk B.V."],
        countries["Fratelli Rossi S.r.l."],
    ) == (
        "GB",
        "NL",
        "IT",
    )


def test_without_skipping_only_nameless_rows_stop_the_run(tmp_path: Path) -> None:
    path = tmp_path / "partner.csv"
    path.write_bytes(messy_export())

    with pytest.raises(PartnerListError) as caught:
        read_clear_list(path, source="partner.csv", default_population="customer", skip_bad_rows=False)

    assert caught.value.message == (
        "2 rows of partner.csv have no company name; nothing was mapped. Correct them or choose to skip bad rows."
    )


def test_counts_are_exact_beyond_the_stored_details(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(partner_lists, "MAX_REPORTED_ERRORS", 200)
    lines = ["Firma;USt-IdNr.;PLZ"]
    lines += [f";DE000000000;1{index:04d}" for index in range(129)]  # no name
    lines += [f"Firma {index};DE000000000;1{index:04d}" for index in range(1500)]  # a bad VAT id each
    path = tmp_path / "partner.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = _read(path)

    assert len(result.rows) == 1500
    assert (result.skipped_rows, result.warning_count, result.warning_rows) == (129, 1500, 1500)
    assert len(result.skipped) == 200
    assert partner_list_summary(result) == (
        "129 rows of the partner's list had no company name and were left out. 1500 warnings in 1500 rows: "
        "fields left out or kept as they are."
    )


def test_a_column_mapping_is_passed_through(tmp_path: Path) -> None:
    path = tmp_path / "partner.csv"
    path.write_text("Debitor;Kunde;Bemerkung\n4711;Glanzwerk AG;Zürich\n", encoding="utf-8")

    plain = _read(path)
    mapped = _read(path, columns={"Debitor": "", "Bemerkung": "city"})

    assert (plain.rows[0].record.id, plain.rows[0].record.city) == ("4711", "")
    assert (mapped.rows[0].record.id, mapped.rows[0].record.city) == ("line-2", "Zürich")
