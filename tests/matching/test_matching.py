"""Matching in the clear: accuracy on the labelled corpus, evidence rules, assignment modes."""

from __future__ import annotations

import numpy as np
import pytest

from handschlag.matching import CompanyRecord, MatchingInputError, MatchPair, match_records
from handschlag.matching.assignment import assign_one_to_many, assign_one_to_one
from handschlag.sample_data.synthetic_companies import LabelledCorpus, quality


def test_f1_on_the_labelled_corpus_is_at_least_0_97(corpus: LabelledCorpus) -> None:
    pairs = match_records(corpus.left, corpus.right)

    figures = quality({(pair.left_id, pair.right_id) for pair in pairs}, corpus.true_pairs)

    assert figures.f1 >= 0.97, figures
    assert figures.precision >= 0.97, figures


def test_pairs_are_one_to_one_with_scores_in_the_unit_interval(corpus: LabelledCorpus) -> None:
    pairs = match_records(corpus.left[:1000], corpus.right)

    assert len({pair.left_id for pair in pairs}) == len(pairs)
    assert len({pair.right_id for pair in pairs}) == len(pairs)
    assert all(0.5 <= pair.score <= 1.0 for pair in pairs)
    assert [pair.score for pair in pairs] == sorted((pair.score for pair in pairs), reverse=True)


def _one(left: CompanyRecord, right: CompanyRecord, **options: object) -> list[MatchPair]:
    return match_records([left], [right], **options)  # type: ignore[arg-type]


def test_the_same_company_written_differently_matches() -> None:
    left = CompanyRecord(
        "L1",
        "Müller Maschinenbau GmbH",
        "www.mueller-maschinenbau.de",
        "Hauptstraße 5a",
        "01067",
        "Dresden",
        "Deutschland",
        "DE136695976",
    )
    right = CompanyRecord(
        "R1",
        "MUELLER MASCHINENBAU G.m.b.H.",
        "info@mueller-maschinenbau.de",
        "Hauptstr. 5 a",
        "1067",
        "Dresden",
        "DE",
    )

    assert [(pair.left_id, pair.right_id) for pair in _one(left, right)] == [("L1", "R1")]


def test_same_name_in_another_city_with_another_domain_is_another_company() -> None:
    left = CompanyRecord(
        "L1", "Müller Bau GmbH", "mueller-bau-hamburg.de", "Hafenstraße 1", "20095", "Hamburg"
    )
    right = CompanyRecord("R1", "Müller Bau GmbH", "mueller-bau-muenchen.de", "Isarweg 7", "80331", "München")

    assert _one(left, right) == []


def test_same_name_in_another_city_without_domains_is_another_company() -> None:
    left = CompanyRecord("L1", "Schmidt Logistik GmbH", street="Ring 3", postal_code="44135", city="Dortmund")
    right = CompanyRecord(
        "R1", "Schmidt Logistik GmbH", street="Allee 9", postal_code="70173", city="Stuttgart"
    )

    assert _one(left, right) == []


def test_similar_name_at_another_address_in_the_same_city_is_another_company() -> None:
    left = CompanyRecord(
        "L1", "Weber Elektrotechnik GmbH", street="Goethestraße 10", postal_code="50667", city="Köln"
    )
    right = CompanyRecord(
        "R1", "Weber Metallbau GmbH", street="Schillerweg 4", postal_code="50667", city="Köln"
    )

    assert _one(left, right) == []


def test_an_identical_vat_id_is_strong_evidence_even_after_a_move() -> None:
    left = CompanyRecord(
        "L1",
        "Kortex Antriebstechnik GmbH",
        street="Ring 3",
        postal_code="44135",
        city="Dortmund",
        vat_id="DE136695976",
    )
    right = CompanyRecord(
        "R1",
        "Kortex Antriebstechnik",
        street="Allee 9",
        postal_code="70173",
        city="Stuttgart",
        vat_id="DE 136 695 976",
    )

    assert len(_one(left, right)) == 1


def test_an_identical_domain_is_strong_evidence_even_after_a_move() -> None:
    left = CompanyRecord(
        "L1",
        "Kortex GmbH",
        "https://www.kortex-antriebe.de/",
        street="Ring 3",
        postal_code="44135",
        city="Dortmund",
    )
    right = CompanyRecord(
        "R1",
        "Kortex Antriebstechnik GmbH",
        "vertrieb@kortex-antriebe.de",
        street="Allee 9",
        postal_code="70173",
        city="Stuttgart",
    )

    assert len(_one(left, right)) == 1


def test_different_valid_vat_ids_keep_look_alikes_apart() -> None:
    left = CompanyRecord("L1", "Fischer GmbH", city="Berlin", vat_id="DE136695976")
    right = CompanyRecord("R1", "Fischer GmbH", city="Berlin", vat_id="DE 100 000 008")

    assert _one(left, right) == []


def test_missing_fields_do_not_punish_a_match() -> None:
    full = CompanyRecord(
        "L1", "Zellmann Kältetechnik GmbH", "zellmann-kaelte.de", "Lindenweg 4", "93047", "Regensburg", "DE"
    )
    name_only = CompanyRecord("R1", "Zellmann Kältetechnik GmbH")

    pairs = _one(full, name_only)

    assert len(pairs) == 1
    assert pairs[0].score >= 0.8


def test_threshold_is_the_lowest_score_kept() -> None:
    left = CompanyRecord("L1", "Zellmann Kältetechnik GmbH", city="Regensburg")
    right = CompanyRecord("R1", "Zellmann Kaeltetechnik", city="Regensburg")
    score = _one(left, right)[0].score

    assert _one(left, right, threshold=min(1.0, score + 0.001)) == []
    assert len(_one(left, right, threshold=score)) == 1


def test_one_to_many_gives_a_left_record_all_its_right_records() -> None:
    left = [CompanyRecord("L1", "Brakamp Hydraulik GmbH", "brakamp.de", "Werkstraße 1", "28195", "Bremen")]
    right = [
        CompanyRecord("R1", "Brakamp Hydraulik GmbH", "brakamp.de", "Werkstr. 1", "28195", "Bremen"),
        CompanyRecord("R2", "Brakamp Hydraulik", "www.brakamp.de", "", "28195", "Bremen"),
    ]

    # the default mode became "many" (issue 11): one-to-one is asked for by name now
    one_to_one = match_records(left, right, mode="one-to-one")
    with pytest.warns(DeprecationWarning, match="one_to_many"):
        one_to_many = match_records(left, right, one_to_many=True)
    many = match_records(left, right)

    assert len(one_to_one) == 1
    assert sorted(pair.right_id for pair in one_to_many) == ["R1", "R2"]
    assert sorted(pair.right_id for pair in many) == ["R1", "R2"]


def test_empty_inputs_give_no_pairs() -> None:
    assert match_records([], [CompanyRecord("R1", "X GmbH")]) == []
    assert match_records([CompanyRecord("L1", "X GmbH")], []) == []


def test_one_to_one_assignment_equals_the_greedy_assignment() -> None:
    generator = np.random.default_rng(3)
    left = generator.integers(0, 40, 600).astype(np.uint32)
    right = generator.integers(0, 40, 600).astype(np.uint32)
    scores = generator.random(600).astype(np.float32)

    chosen = assign_one_to_one(left, right, scores)

    greedy: set[int] = set()
    used_left: set[int] = set()
    used_right: set[int] = set()
    for index in np.lexsort((right, left, -scores.astype(np.float64))):
        if left[index] not in used_left and right[index] not in used_right:
            greedy.add(int(index))
            used_left.add(int(left[index]))
            used_right.add(int(right[index]))
    assert set(chosen.tolist()) == greedy


def test_one_to_many_assignment_gives_each_right_its_best_left() -> None:
    left = np.array([0, 1, 0, 1], dtype=np.uint32)
    right = np.array([0, 0, 1, 1], dtype=np.uint32)
    scores = np.array([0.9, 0.8, 0.6, 0.7], dtype=np.float32)

    assert assign_one_to_many(left, right, scores).tolist() == [0, 3]


def test_duplicate_ids_within_one_side_are_refused() -> None:
    records = [CompanyRecord("A", "Müller GmbH"), CompanyRecord("A", "Schmidt AG")]

    with pytest.raises(MatchingInputError) as caught:
        match_records(records, [CompanyRecord("B", "Müller GmbH")])

    assert str(caught.value) == "left records: duplicate id 'A'; ids must be unique"


def test_a_threshold_of_one_keeps_pairs_scored_one(corpus: LabelledCorpus) -> None:
    everything = match_records(corpus.left[:1500], corpus.right, threshold=0.0)
    certain = match_records(corpus.left[:1500], corpus.right, threshold=1.0)

    assert certain
    assert {(pair.left_id, pair.right_id) for pair in certain} <= {
        (pair.left_id, pair.right_id) for pair in everything
    }
    assert all(pair.score == 1.0 for pair in certain)
