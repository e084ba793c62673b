"""Assignment modes (one-to-one, many, all) and the evidence behind each pair (issue 11)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from handschlag.matching import EVIDENCE_FIELDS, MODES, CompanyRecord, FieldEvidence, match_records
from handschlag.matching.cli import main

# one company twice in our list, once in theirs; one company once in ours, twice in theirs
OURS = [
    CompanyRecord("L1", "Brakamp Hydraulik GmbH", "brakamp.de", "Werkstraße 1", "28195", "Bremen"),
    CompanyRecord("L2", "Brakamp Hydraulik", "", "Werkstr. 1", "28195", "Bremen", phone="0421 556677"),
    CompanyRecord("L3", "Nordlicht Logistik AG", "nordlicht-logistik.de", "Hafenweg 9", "20457", "Hamburg"),
    CompanyRecord("L4", "Sonnenfeld Bäckerei GmbH", "", "Marktplatz 2", "01067", "Dresden"),
]
THEIRS = [
    CompanyRecord("R1", "BRAKAMP HYDRAULIK GMBH", "", "Werkstr 1", "28195", "Bremen", phone="+49 421 556677"),
    CompanyRecord(
        "R2", "Nordlicht Logistik AG", "www.nordlicht-logistik.de", "Hafenweg 9", "20457", "Hamburg"
    ),
    CompanyRecord(
        "R3", "Nordlicht Logistik", "", "Hafenweg 9", "20457", "Hamburg", email="ein@nordlicht-logistik.de"
    ),
    CompanyRecord("R4", "Kranich Elektro GmbH", "kranich.de", "Ringstr. 4", "04109", "Leipzig"),
]


def _pairs(mode: str) -> set[tuple[str, str]]:
    return {(pair.left_id, pair.right_id) for pair in match_records(OURS, THEIRS, mode=mode)}


def test_the_modes_are_the_documented_ones() -> None:
    assert MODES == ("one-to-one", "many", "all")
    with pytest.raises(ValueError, match="unknown mode"):
        match_records(OURS, THEIRS, mode="some")


def test_many_maps_every_record_of_a_company_to_every_record_of_it_on_the_other_side() -> None:
    one_to_one = _pairs("one-to-one")
    assert len(one_to_one) == 2
    assert ("L3", "R2") in one_to_one
    assert one_to_one & {("L1", "R1"), ("L2", "R1")}  # one of the two, the phone makes it L2
    assert _pairs("many") == {("L1", "R1"), ("L2", "R1"), ("L3", "R2"), ("L3", "R3")}
    assert _pairs("many") == {
        (pair.left_id, pair.right_id) for pair in match_records(OURS, THEIRS)
    }  # the default
    assert _pairs("all") >= _pairs("many") - {("L3", "R3")}


def test_many_keeps_sister_companies_apart() -> None:
    ours = [CompanyRecord("L1", "Falkenberg Holding GmbH", "falkenberg.de", "", "80331", "München")]
    theirs = [
        CompanyRecord("R1", "Falkenberg Holding GmbH", "falkenberg.de", "", "80331", "München"),
        CompanyRecord("R2", "Falkenberg Service GmbH", "falkenberg-service.de", "", "80331", "München"),
    ]
    assert {(p.left_id, p.right_id) for p in match_records(ours, theirs)} == {("L1", "R1")}


def test_evidence_explains_the_score() -> None:
    pairs = match_records(OURS, THEIRS, mode="all", explain=True, threshold=0.0)
    assert pairs
    for pair in pairs:
        assert tuple(item.field for item in pair.evidence) == EVIDENCE_FIELDS
        assert all(isinstance(item, FieldEvidence) for item in pair.evidence)
        if 0.001 < pair.score < 0.999:
            log_odds = -3.0 + sum(item.weight for item in pair.evidence)
            assert math.isclose(log_odds, math.log(pair.score / (1 - pair.score)), abs_tol=0.05)
    evidence = {
        item.field: item
        for item in next(p for p in pairs if p.left_id == "L2" and p.right_id == "R1").evidence
    }
    assert evidence["phone"].outcome == "agrees"
    assert evidence["phone"].weight > 0
    assert evidence["domain"].outcome == "missing"
    assert evidence["domain"].weight == 0.0
    assert evidence["name"].similarity == 1.0
    assert not match_records(OURS, THEIRS)[0].evidence  # only when asked


def test_email_domain_stands_in_for_a_missing_web_domain() -> None:
    pairs = match_records(OURS, THEIRS, mode="all", explain=True)
    evidence = {item.field: item for item in next(p for p in pairs if p.right_id == "R3").evidence}
    assert evidence["email_domain"].outcome == "agrees"
    assert evidence["email_domain"].weight > 0


def test_cli_mode_and_explain(tmp_path: Path) -> None:
    fields = ("id", "name", "domain", "street", "postal_code", "city")
    for name, records in (("left", OURS), ("right", THEIRS)):
        with (tmp_path / f"{name}.csv").open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(fields)
            writer.writerows([tuple(getattr(record, field) for field in fields) for record in records])
    left, right = str(tmp_path / "left.csv"), str(tmp_path / "right.csv")
    output = tmp_path / "pairs.csv"

    assert main(["match", left, right, "-o", str(output), "--mode", "one-to-one", "--explain", "-q"]) == 0
    with output.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["left_id", "right_id", "score", "evidence"]
    assert {(row["left_id"], row["right_id"]) for row in rows} == {
        ("L1", "R1"),
        ("L3", "R2"),
    }  # no phones here
    explained = json.loads(rows[0]["evidence"])
    assert set(explained) == set(EVIDENCE_FIELDS)
    assert explained["name"]["outcome"] == "agrees"

    assert main(["match", left, right, "-o", str(output), "-q"]) == 0
    with output.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["left_id", "right_id", "score"]
    assert {(row["left_id"], row["right_id"]) for row in rows} >= {("L1", "R1"), ("L2", "R1"), ("L3", "R2")}
    assert main(["match", left, right, "-o", str(output), "--mode", "bogus", "-q"]) == 2
