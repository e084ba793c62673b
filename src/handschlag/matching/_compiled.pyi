"""Types of the compiled parts of the matching engine (_compiled.c); see normalisation.py for their use.

A string column is ``(kind, validity, index, data, offset)``: kind 1 is an Arrow string_view array
(``index`` = views, ``data`` = tuple of data buffers), kind 0 a large_string array (``index`` = offsets,
``data`` = one buffer). Results are string_view columns as ``(validity, views, data)`` bytes.
"""

from collections.abc import Sequence

from typing_extensions import Buffer

StringColumn = tuple[int, Buffer | None, Buffer, Buffer | tuple[Buffer, ...], int]
ViewColumn = tuple[bytes, bytes, bytes]

def configure(
    fold_names: Sequence[bytes | None],
    fold_streets: Sequence[bytes | None],
    name_replacements: dict[str, str],
    legal_spellings: Sequence[str],
    legal_words: Sequence[str],
    multi_label_suffixes: Sequence[str],
    shared_mail_labels: Sequence[str],
) -> None: ...
def names(column: StringColumn, count: int) -> tuple[ViewColumn, ViewColumn, bytes]: ...
def domains(column: StringColumn, count: int) -> tuple[ViewColumn, ViewColumn, bytes]: ...
def streets(column: StringColumn, count: int) -> tuple[ViewColumn, ViewColumn, bytes]: ...
def vat_ids(column: StringColumn, countries: StringColumn, count: int) -> tuple[ViewColumn, bytes]: ...
def hash_strings(column: StringColumn, count: int) -> bytes: ...
def blocking_keys(columns: tuple[StringColumn, ...], count: int) -> bytes: ...
def candidate_pairs(
    left_keys: Buffer, right_keys: Buffer, key_columns: int, max_pairs_per_block: int
) -> tuple[bytes, bytes]: ...
def distinct_pairs(left_codes: Buffer, right_codes: Buffer) -> tuple[bytes, bytes]: ...
def all_distinct(codes: Buffer) -> bool: ...
def sorted_words(column: StringColumn, count: int) -> ViewColumn: ...
def bigrams_present(column: StringColumn, count: int) -> bytes: ...
def bloom_filters(
    column: StringColumn,
    count: int,
    positions: Buffer,
    positions_per_bigram: int,
    diffusion: Buffer,
    bits: int,
) -> bytes: ...
