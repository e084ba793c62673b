"""The miss classes of issue 11, each as a small case: found now, and hard negatives still kept apart."""

from __future__ import annotations

import pytest

from handschlag.matching import CompanyRecord, match_records

# Companies that stand around each case, so that blocks and name frequencies look like a real list.
_CROWD = [
    CompanyRecord(f"C{index}", f"{word} {kind} GmbH", "", f"Ringstraße {index}", f"{10000 + index}", city)
    for index, (word, kind, city) in enumerate(
        (word, kind, city)
        for word in ("Albers", "Brandt", "Claasen", "Dorn", "Eilers")
        for kind in ("Metallbau", "Elektro", "Logistik")
        for city in ("Kiel", "Ulm")
    )
]


def _found(ours: CompanyRecord, theirs: CompanyRecord, **options: object) -> bool:
    pairs = match_records([ours, *_CROWD], [theirs, *_CROWD], **options)  # type: ignore[arg-type]
    return any(pair.left_id == ours.id and pair.right_id == theirs.id for pair in pairs)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        pytest.param(
            CompanyRecord("L", "Becker Präzisionstechnik GmbH", country="DE", city="Pforzheim"),
            CompanyRecord("R", "PRÄZISIONSTECHNIK BECKER", country="DE", city="Pforzheim"),
            id="word order",
        ),
        pytest.param(
            CompanyRecord(
                "L", "Nordsee Fisch Handels GmbH", "nordsee-fisch.de", "Am Hafen 4", "27568", "Bremerhaven"
            ),
            CompanyRecord("R", "Nordsee Fisch GmbH", "nordsee-fisch.de", "", "", ""),
            id="word dropped, no place",
        ),
        pytest.param(
            CompanyRecord("L", "Kranich Optik AG", "kranich-optik.de", "Lindenweg 2", "04109", "Leipzig"),
            CompanyRecord("R", "Kranich Optik AG", "kranich-optik.de", "Elbufer 19", "01067", "Dresden"),
            id="moved, same domain",
        ),
        pytest.param(
            CompanyRecord(
                "L", "Kranich Optik AG", "", "Lindenweg 2", "04109", "Leipzig", phone="+49 341 998877"
            ),
            CompanyRecord("R", "Kranich Optik", "", "Elbufer 19", "01067", "Dresden", phone="0341/998877"),
            id="moved, same phone",
        ),
        pytest.param(
            CompanyRecord(
                "L", "Kranich Optik AG", "", "Lindenweg 2", "04109", "Leipzig", email="info@kranich-optik.de"
            ),
            CompanyRecord("R", "Kranich Optik AG", "www.kranich-optik.de", "Elbufer 19", "01067", "Dresden"),
            id="moved, e-mail domain = web domain",
        ),
        pytest.param(
            CompanyRecord(
                "L", "Cerro Power Holding SRL", "cerro-power.it", "Corso Italia 28", "00102", "Roma"
            ),
            CompanyRecord(
                "R", "Cerro Power Hgolding SRL", "cerro-powre.it", "Corso Italia 28", "00102", "Roma"
            ),
            id="typos in name and domain",
        ),
        pytest.param(
            CompanyRecord("L", "Sonnenfeld Bäckerei GmbH", "", "Postfach 1122", "01067", "Dresden"),
            CompanyRecord("R", "Sonnenfeld Bäckerei GmbH", "", "Marktplatz 2", "01067", "Dresden"),
            id="P.O. box instead of street",
        ),
        pytest.param(
            CompanyRecord(
                "L", "Thomatex Auto-Teppich GmbH", "thomatex.de", "Uferweg 108c", "01165", "Dresden"
            ),
            CompanyRecord("R", "Thomatex Auto-Teppich GmbH", "", "Postfach 18978", "01811", "Dresden"),
            id="P.O. box with a postal code of its own",
        ),
        pytest.param(
            CompanyRecord(
                "L", "Accelerated Change Process ApS", "accelerated.eu", "Vestergade 84c", "1407", "København"
            ),
            CompanyRecord(
                "R",
                "Accelerated Process ApS",
                "",
                "Vestergade 84c",
                "1407",
                "København",
                email="info72@bluewin.ch",
            ),
            id="a word dropped, e-mail at an internet provider",
        ),
    ],
)
def test_miss_classes_are_found(ours: CompanyRecord, theirs: CompanyRecord) -> None:
    assert _found(ours, theirs)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        pytest.param(
            CompanyRecord("L", "Falkenberg GmbH", "falkenberg.de", "Hafenweg 9", "20457", "Hamburg"),
            CompanyRecord("R", "Falkenberg Holding GmbH", "falkenberg.de", "Hafenweg 12", "20457", "Hamburg"),
            id="sister: holding",
        ),
        pytest.param(
            CompanyRecord("L", "Falkenberg Service GmbH", "falkenberg.de", "Hafenweg 9", "20457", "Hamburg"),
            CompanyRecord(
                "R", "Falkenberg Services Services GmbH", "falkenberg.de", "Hafenweg 3", "20457", "Hamburg"
            ),
            id="sister: service twice",
        ),
        pytest.param(
            CompanyRecord(
                "L", "Falkenberg Gesellschaft m.b.H.", "falkenberg.de", "Hafenweg 9", "20457", "Hamburg"
            ),
            CompanyRecord(
                "R",
                "Falkenberg Gesellschaft m.b.H. Grundstücksverwaltungs GmbH",
                "falkenberg.de",
                "Hafenweg 1",
                "20457",
                "Hamburg",
            ),
            id="sister: compound entity word after a legal form",
        ),
        pytest.param(
            CompanyRecord(
                "L", "Arba Energy International S.L.", "arba.net", "Paseo de Gracia 129", "46047", "Valencia"
            ),
            CompanyRecord(
                "R", "Arba Energy International S.L.", "arba-energy.es", "Calle Mayor 3", "08076", "Barcelona"
            ),
            id="same name, other place and domain",
        ),
    ],
)
def test_hard_negatives_stay_apart(ours: CompanyRecord, theirs: CompanyRecord) -> None:
    assert not _found(ours, theirs, mode="all")


def test_a_common_name_weighs_less_than_a_rare_one() -> None:
    rare = CompanyRecord("L", "Quendolin Maschinenbau GmbH", country="DE")
    rare_theirs = CompanyRecord("R", "Quendolin Maschinenbau GmbH", country="DE")
    common = [
        CompanyRecord(f"L{index}", "Müller GmbH", country="DE", city=f"Ort {index}") for index in range(6)
    ]
    common_theirs = [CompanyRecord("R1", "Müller GmbH", country="DE")]

    pairs = match_records(
        [rare, *common], [rare_theirs, *common_theirs], mode="all", threshold=0.0, explain=True
    )
    score = {(pair.left_id, pair.right_id): pair.score for pair in pairs}
    name_weight = {
        (pair.left_id, pair.right_id): next(item.weight for item in pair.evidence if item.field == "name")
        for pair in pairs
    }

    assert score[("L", "R")] > score[("L0", "R1")]
    assert name_weight[("L", "R")] > name_weight[("L0", "R1")]
    assert score[("L", "R")] >= 0.5
