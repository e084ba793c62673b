"""Blocking: which pairs of records are worth scoring at all.

Each record gets a handful of blocking keys (domain, VAT id, postal code or city with a piece of the name,
the whole name). Two records become a candidate pair when they share at least one key. Keys are 64-bit
integers: plain hashes in the clear, keyed hashes in the private mode, so both modes share this module.
A key that would put more than ``MAX_PAIRS_PER_BLOCK`` (100) pairs into one block is skipped for that block (its
records are still found through their other keys); that keeps the cost near-linear in the input size.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Final

import numpy as np
import polars as pl

# The blocking keys, by name, as polars expressions over the normalised columns. A key is null where a
# record lacks what it needs. Both sides of a match must use the same definitions (they do: this table).
# The first word of a name is usually the distinctive one (a family name, a brand, an acronym). A typo in its
# first three letters is caught by the other keys (address, domain, VAT id, whole name, city + first word).
_FIRST_WORD: Final = pl.col("name_core").str.extract(r"^(\S+)", 1)


def _prefix(expr: pl.Expr, length: int) -> pl.Expr:
    return expr.str.slice(0, length)


BLOCKING_KEY_EXPRESSIONS: Final[dict[str, pl.Expr]] = {
    "domain": pl.col("domain_label"),
    "vat_id": pl.col("vat_id"),
    "postal_first_word_start": pl.col("postal_code") + "|" + _prefix(_FIRST_WORD, 3),
    "city_first_word": pl.col("city_key") + "|" + _FIRST_WORD,
    "address": pl.coalesce(pl.col("postal_code"), pl.col("city_key"))
    + "|"
    + _prefix(pl.col("street_name"), 8)
    + "|"
    + pl.col("house_number"),
    "name": pl.col("name_core"),
}


# Keys added for issue 11 (computed with polars also where the compiled code makes the ones above): the
# name with its words sorted ("Präzisionstechnik Becker" = "Becker Präzisionstechnik"; it replaces the
# whole-name key) and the phone number (a company that moved). A key of the first two words of the name was
# tried and dropped: 22 % more candidate pairs, no pair more found on the real-name corpus.
EXTRA_BLOCKING_KEY_EXPRESSIONS: Final[dict[str, pl.Expr]] = {
    "name_sorted": pl.col("name_sorted"),
    "phone": pl.col("phone"),
}
# The whole name ("name") is covered by the name with its words sorted, so it is left out of the keys used
# (the compiled code still makes it; engine.clear_blocking_keys drops that column).
ALL_BLOCKING_KEY_EXPRESSIONS: Final[dict[str, pl.Expr]] = {
    key: expression for key, expression in BLOCKING_KEY_EXPRESSIONS.items() if key != "name"
} | EXTRA_BLOCKING_KEY_EXPRESSIONS

MAX_PAIRS_PER_BLOCK: Final = 100


def blocking_key_strings(normalised: pl.DataFrame, *, only_extra: bool = False) -> pl.DataFrame:
    """One string column per blocking key (null where a record has none), one row per record; with
    ``only_extra`` just the keys of ``EXTRA_BLOCKING_KEY_EXPRESSIONS``."""
    return normalised.select(
        [
            (pl.lit(f"{index}|") + expression).alias(name)
            for index, (name, expression) in enumerate(ALL_BLOCKING_KEY_EXPRESSIONS.items())
            if not only_extra or name in EXTRA_BLOCKING_KEY_EXPRESSIONS
        ]
    )


def hashed_blocking_keys(
    key_strings: pl.DataFrame, hash_strings: Callable[[pl.Series], np.ndarray]
) -> np.ndarray:
    """A (records x keys) uint64 matrix of hashed blocking keys; 0 means "no key"."""
    matrix = np.zeros((key_strings.height, key_strings.width), dtype=np.uint64)
    for column_index, column in enumerate(key_strings.columns):
        values = key_strings[column]
        present = values.is_not_null().to_numpy()
        if present.any():
            hashed = hash_strings(values.filter(values.is_not_null()))
            hashed[hashed == 0] = 1
            matrix[present, column_index] = hashed
    return matrix


def plain_string_hashes(values: pl.Series) -> np.ndarray:
    """Fast unkeyed 64-bit hashes of strings (same process, same result) for the clear mode."""
    hashed: np.ndarray = values.hash(seed=0x48414E44).to_numpy().copy()
    return hashed


def _long_keys(keys: np.ndarray) -> pl.DataFrame:
    rows, columns = np.nonzero(keys)
    return pl.DataFrame(
        {"row": rows.astype(np.uint32), "key": keys[rows, columns]},
        schema={"row": pl.UInt32, "key": pl.UInt64},
    )


def candidate_pairs(
    left_keys: np.ndarray, right_keys: np.ndarray, *, max_pairs_per_block: int = MAX_PAIRS_PER_BLOCK
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (left row, right row) pairs sharing at least one blocking key, sorted, as two uint32 arrays.

    Keys of different columns never meet (they are hashed apart anyway). In C where it is built (one hash
    table per key column and a radix sort), else as one polars query.
    """
    from handschlag.matching.normalisation import compiled_module

    fast = compiled_module()
    if fast is not None and left_keys.shape[1] == right_keys.shape[1]:
        left_rows, right_rows = fast.candidate_pairs(
            np.ascontiguousarray(left_keys, dtype=np.uint64),
            np.ascontiguousarray(right_keys, dtype=np.uint64),
            left_keys.shape[1],
            max_pairs_per_block,
        )
        return np.frombuffer(left_rows, dtype=np.uint32), np.frombuffer(right_rows, dtype=np.uint32)
    return _candidate_pairs_polars(left_keys, right_keys, max_pairs_per_block=max_pairs_per_block)


def _candidate_pairs_polars(
    left_keys: np.ndarray, right_keys: np.ndarray, *, max_pairs_per_block: int
) -> tuple[np.ndarray, np.ndarray]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        left_long, right_long = (frame.lazy() for frame in pool.map(_long_keys, (left_keys, right_keys)))
    usable_keys = (
        left_long.group_by("key")
        .len("left_size")
        .join(right_long.group_by("key").len("right_size"), on="key", how="inner")
        .filter(pl.col("left_size").cast(pl.Int64) * pl.col("right_size") <= max_pairs_per_block)
        .select("key")
    )
    # one lazy query, so that polars runs the independent left and right branches in parallel
    pairs = (
        left_long.join(usable_keys, on="key", how="semi")
        .join(right_long.join(usable_keys, on="key", how="semi"), on="key", how="inner", suffix="_right")
        .select(
            (pl.col("row").cast(pl.UInt64) * (1 << 32) + pl.col("row_right").cast(pl.UInt64)).alias("pair")
        )
        .unique()
        .sort("pair")
        .collect()
    )["pair"].to_numpy()
    left_rows = (pairs >> np.uint64(32)).astype(np.uint32)
    right_rows = (pairs & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    return left_rows, right_rows
