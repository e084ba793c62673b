"""Privacy-preserving mode: accuracy on encodings, what the encoded file does not contain, other secrets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from handschlag.matching import (
    CompanyRecord,
    MatchingInputError,
    encode_records,
    match_encoded,
    read_encoded,
    write_encoded,
)
from handschlag.matching.encoding import read_secret_file
from handschlag.matching.normalisation import normalise_domain, normalise_name, normalise_street
from handschlag.sample_data.synthetic_companies import LabelledCorpus, quality

SECRET = b"7f3a9c0e5b2d48e1a6c3f0b9d2e74a15"
OTHER_SECRET = b"0c1d2e3f4a5b6c7d8e9fa0b1c2d3e4f5"


def test_f1_on_encodings_of_the_labelled_corpus_is_at_least_0_95(
    corpus: LabelledCorpus, tmp_path: Path
) -> None:
    write_encoded(encode_records(corpus.left, secret=SECRET), tmp_path / "left.hsenc")
    write_encoded(encode_records(corpus.right, secret=SECRET), tmp_path / "right.hsenc")

    result = match_encoded(read_encoded(tmp_path / "left.hsenc"), read_encoded(tmp_path / "right.hsenc"))

    figures = quality({(pair.left_id, pair.right_id) for pair in result.pairs}, corpus.true_pairs)
    assert figures.f1 >= 0.95, figures
    assert result.warnings == []
    assert result.same_secret


def _secret_texts(records: list[CompanyRecord]) -> set[bytes]:
    """Every name, street and domain as written, lower-cased and normalised, as UTF-8 and Windows-1252."""
    texts: set[str] = set()
    for record in records:
        street_name, _ = normalise_street(record.street)
        for text in (
            record.name,
            record.street,
            record.domain,
            normalise_name(record.name),
            street_name,
            normalise_domain(record.domain),
        ):
            text = text.strip()
            if len(text) >= 4:
                texts.update({text, text.lower(), text.upper()})
    encoded: set[bytes] = set()
    for text in texts:
        encoded.add(text.encode("utf-8"))
        encoded.add(text.encode("cp1252", errors="ignore"))
    return encoded


def test_no_name_street_or_domain_appears_in_the_encoded_file(corpus: LabelledCorpus, tmp_path: Path) -> None:
    records = corpus.left[:600]
    path = tmp_path / "left.hsenc"
    write_encoded(encode_records(records, secret=SECRET), path)

    content = path.read_bytes()

    leaked = [text for text in _secret_texts(records) if text in content]
    assert leaked == []
    assert b"L0000001" in content  # the ids are there, as documented


def test_encodings_made_with_another_secret_give_no_matches_and_a_warning(corpus: LabelledCorpus) -> None:
    ours = encode_records(corpus.left[:2000], secret=SECRET)
    theirs = encode_records(corpus.right, secret=OTHER_SECRET)

    result = match_encoded(ours, theirs)

    assert len(result.pairs) <= 2
    assert not result.same_secret
    assert len(result.warnings) == 1
    assert "different secrets" in result.warnings[0]


def test_encoding_is_deterministic_for_the_same_secret(corpus: LabelledCorpus) -> None:
    first = encode_records(corpus.left[:200], secret=SECRET)
    second = encode_records(corpus.left[:200], secret=SECRET)
    other = encode_records(corpus.left[:200], secret=OTHER_SECRET)

    assert np.array_equal(first.filters["name"], second.filters["name"])
    assert np.array_equal(first.blocking_keys, second.blocking_keys)
    assert first.secret_fingerprint == second.secret_fingerprint != other.secret_fingerprint
    assert not np.any(
        np.isin(
            first.exact_hashes["domain_host"][first.exact_hashes["domain_host"] != 0],
            other.exact_hashes["domain_host"],
        )
    )


def test_without_the_secret_a_guessed_name_cannot_be_encoded_to_compare(corpus: LabelledCorpus) -> None:
    # A dictionary attack encodes guessed names and looks for equal filters. Filters of the same names made
    # with another secret are as far apart as filters of unrelated names.
    records = corpus.left[:300]
    ours = encode_records(records, secret=SECRET).filters["name"]
    guessed = encode_records(records, secret=OTHER_SECRET).filters["name"]

    differing_bits = np.bitwise_count(ours ^ guessed).sum(axis=1) / (ours.shape[1] * 64)

    assert differing_bits.min() > 0.2
    assert 0.35 < float(np.median(differing_bits)) < 0.65


def test_secret_file_must_hold_enough_bytes(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("short\n", encoding="utf-8")

    with pytest.raises(MatchingInputError) as caught:
        read_secret_file(key)

    assert "at least 16 random bytes" in caught.value.message


def test_secret_file_ignores_surrounding_whitespace(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(b"  " + SECRET + b"\r\n")

    assert read_secret_file(key) == SECRET


def test_reading_something_that_is_not_an_encoded_file(tmp_path: Path) -> None:
    path = tmp_path / "left.csv"
    path.write_text("id;name\n1;Müller\n", encoding="utf-8")

    with pytest.raises(MatchingInputError) as caught:
        read_encoded(path)

    assert caught.value.message == "this is not a file made by 'handschlag encode'"


def test_reading_a_truncated_encoded_file(corpus: LabelledCorpus, tmp_path: Path) -> None:
    path = tmp_path / "left.hsenc"
    write_encoded(encode_records(corpus.left[:50], secret=SECRET), path)
    path.write_bytes(path.read_bytes()[:-200])

    with pytest.raises(MatchingInputError) as caught:
        read_encoded(path)

    assert caught.value.message == "this is not a file made by 'handschlag encode'"
