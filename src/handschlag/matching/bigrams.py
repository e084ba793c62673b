"""Byte bigrams of whole text columns, computed with numpy on the Arrow buffers (no per-record Python)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa


def text_bigrams(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(record index, bigram code) for every byte bigram of every text padded with "_" at both ends.

    Null and empty texts have none; record indices come out in ascending order.
    """
    framed = pl.select(
        pl.when(texts.str.len_bytes() > 0).then(pl.lit("_") + texts + pl.lit("_")).otherwise(pl.lit(""))
    ).to_series()
    arrow = framed.to_arrow().cast(pa.large_string())
    offsets = np.frombuffer(arrow.buffers()[1], dtype=np.int64)[arrow.offset : arrow.offset + len(arrow) + 1]
    data_buffer = arrow.buffers()[2]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    bigram_counts = np.maximum(lengths - 1, 0)
    records = np.repeat(np.arange(len(lengths), dtype=np.int64), bigram_counts)
    starts = np.repeat(offsets[:-1], bigram_counts)
    within = np.arange(len(records), dtype=np.int64) - np.repeat(
        np.cumsum(bigram_counts) - bigram_counts, bigram_counts
    )
    positions = starts + within
    codes = data[positions].astype(np.int64) * 256 + data[positions + 1].astype(np.int64)
    return records, codes
