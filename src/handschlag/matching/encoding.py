"""Privacy-preserving encodings of company records: what ``handschlag encode`` writes.

Each side normalises its records exactly as in the clear and then, with a secret both sides share, turns
every record into

* **keyed hashes** (BLAKE2b in keyed mode, a MAC like HMAC, 64 bits) of the exact keys: registrable domain,
  domain label, VAT id, legal form, country, and of the blocking keys;
* four **hardened Bloom filters** after the CLK method of Schnell, Bachteler and Reiher (2009) for the
  fuzzy fields: the name, the street with house number, the postal code and the city. The bigrams of each
  field are mapped to bit positions by *keyed random hashing* (positions drawn from HMAC-SHA256 of the
  bigram under a key derived from the secret, not by double hashing), and the filter then goes through a
  keyed *diffusion layer* (Armknecht, Heng and Schnell 2023): every output bit is the XOR of
  ``DIFFUSION_INPUTS`` input bits at secret positions. Diffusion cuts the link between a bigram and a
  bit position that frequency and pattern-mining attacks exploit, and makes about half of all bits 1 in
  every filter, so a filter no longer tells how long the name is.

Matching compares filters by Hamming distance and keyed hashes for equality (see ``encoded_matching``).
The record ids are written as they are: use pseudonymous ids (CRM record ids), never names.
docs/matching.md explains what the holder of such a file can and cannot learn.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from handschlag.matching.bigrams import text_bigrams
from handschlag.matching.blocking import (
    ALL_BLOCKING_KEY_EXPRESSIONS,
    blocking_key_strings,
    hashed_blocking_keys,
)
from handschlag.matching.engine import CompanyTable, is_po_box, matching_frame
from handschlag.matching.normalisation import compiled_module, string_buffers, vat_ids_valid
from handschlag.matching.records import CompanyRecord, InputLimitError, MatchingInputError

FORMAT_NAME: Final = "handschlag-encoded-companies"
FORMAT_VERSION: Final = 2  # 2: phone, house number, sister-company keys, issue 11 blocking keys
MINIMUM_SECRET_BYTES: Final = 16
DIFFUSION_INPUTS: Final = 3


@dataclass(frozen=True, slots=True)
class FilterLayout:
    """Size of one Bloom filter and the number of bit positions per bigram."""

    bits: int
    positions_per_bigram: int

    @property
    def words(self) -> int:
        return self.bits // 64


FILTER_LAYOUTS: Final[dict[str, FilterLayout]] = {
    "name": FilterLayout(bits=1024, positions_per_bigram=10),
    "street": FilterLayout(bits=512, positions_per_bigram=8),
    "postal_code": FilterLayout(bits=256, positions_per_bigram=8),
    "city": FilterLayout(bits=256, positions_per_bigram=8),
}
EXACT_KEY_FIELDS: Final = (
    "domain_host",
    "domain_label",
    "vat_id",
    "legal_form",
    "country",
    "phone",
    "house_number",
    "name_rest",  # the name without entity and legal-form words, for telling sister companies apart
    "entity_words",
    "po_box",  # flags (a keyed hash where yes): the street is a P.O. box; the domain is the e-mail's
    "domain_from_email",
)

ProgressReport = Callable[[str], None]


def _silent(message: str) -> None:
    del message


@dataclass(frozen=True, slots=True)
class EncodedTable:
    """Encoded records of one side: ids in the clear, everything else keyed.

    ``exact_hashes[field]`` and ``blocking_keys`` are uint64 (0 = missing); ``filters[field]`` is a
    (records x words) uint64 matrix, all zero where the field is missing.
    """

    ids: pl.Series
    secret_fingerprint: str
    exact_hashes: dict[str, np.ndarray]
    blocking_keys: np.ndarray
    filters: dict[str, np.ndarray]
    source: str = "<encoded>"

    def __len__(self) -> int:
        return len(self.ids)


def read_secret_file(path: str | Path) -> bytes:
    """The shared secret from a file (surrounding whitespace ignored); at least 16 bytes."""
    try:
        secret = Path(path).read_bytes().strip()
    except OSError as error:
        raise MatchingInputError(
            str(path), 0, f"cannot read the secret file: {error.strerror or error}"
        ) from None
    check_secret(secret, str(path))
    return secret


def check_secret(secret: bytes, source: str = "<secret>") -> None:
    """Refuse secrets too short to resist guessing."""
    if len(secret) < MINIMUM_SECRET_BYTES:
        raise MatchingInputError(
            source,
            0,
            f"the secret has {len(secret)} bytes; use at least {MINIMUM_SECRET_BYTES} random bytes, "
            'e.g. made with: python -c "import secrets; print(secrets.token_hex(32))" > KEY',
        )


def _derived_key(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, f"{FORMAT_NAME}/v{FORMAT_VERSION}/{purpose}".encode(), hashlib.sha256).digest()


def secret_fingerprint(secret: bytes) -> str:
    """A short keyed value both sides can compare to see that they used the same secret."""
    return _derived_key(secret, "fingerprint")[:12].hex()


def keyed_string_hashes(values: pl.Series, key: bytes) -> np.ndarray:
    """64-bit keyed BLAKE2b of each string (the digest read little-endian), with hashlib once per distinct
    value (a keyed hash of a privacy feature is not ours to write: ADR 0108)."""
    keyed = hashlib.blake2b(key=key, digest_size=8)

    def digest(value: str, start: Callable[[], Any] = keyed.copy) -> bytes:
        state = start()
        state.update(value.encode("utf-8"))
        result: bytes = state.digest()
        return result

    distinct = values.unique()
    digests = b"".join(map(digest, distinct.to_list()))
    distinct_hashes = pl.Series("hash", np.frombuffer(digests, dtype="<u8"), dtype=pl.UInt64)
    mapped = values.replace_strict(distinct, distinct_hashes, return_dtype=pl.UInt64)
    hashes: np.ndarray = mapped.to_numpy().copy()
    return hashes


def _keyed_codes(column: pl.Series, key: bytes) -> np.ndarray:
    codes = np.zeros(len(column), dtype=np.uint64)
    present = column.is_not_null().to_numpy()
    if present.any():
        hashed = keyed_string_hashes(column.filter(column.is_not_null()), key)
        hashed[hashed == 0] = 1
        codes[present] = hashed
    return codes


def _bigram_positions(codes: np.ndarray, key: bytes, layout: FilterLayout) -> np.ndarray:
    """(distinct codes x positions_per_bigram) bit positions from HMAC-SHA256 of each bigram (random hashing)."""
    table = np.zeros((65536, layout.positions_per_bigram), dtype=np.int64)
    for code in np.unique(codes).tolist():
        digest = hmac.new(key, int(code).to_bytes(2, "big"), hashlib.sha256).digest()
        values = np.frombuffer(digest, dtype=">u2")[: layout.positions_per_bigram].astype(np.int64)
        table[code] = values % layout.bits
    return table


def _diffusion_inputs(key: bytes, layout: FilterLayout) -> np.ndarray:
    """For each output bit, the DIFFUSION_INPUTS secret input positions it is the XOR of."""
    generator = np.random.Generator(np.random.PCG64(int.from_bytes(key, "big")))
    return np.stack([generator.permutation(layout.bits) for _ in range(DIFFUSION_INPUTS)], axis=1)


def bloom_filters(
    texts: pl.Series, key: bytes, layout: FilterLayout, *, chunk_records: int = 50_000
) -> np.ndarray:
    """Hardened Bloom filters of the texts' bigrams: keyed random hashing, then keyed XOR diffusion.

    In C where it is built (the same filters: a test compares them), else with numpy a chunk of records at
    a time."""
    diffusion = _diffusion_inputs(_derived_key(key, "diffusion"), layout)
    fast = compiled_module()
    if fast is not None:
        column = string_buffers(texts)
        present = np.flatnonzero(np.frombuffer(fast.bigrams_present(column, len(texts)), dtype=np.uint8))
        positions = _bigram_positions(present, _derived_key(key, "positions"), layout)
        packed = fast.bloom_filters(
            column,
            len(texts),
            np.ascontiguousarray(positions, dtype=np.int64),
            layout.positions_per_bigram,
            np.ascontiguousarray(diffusion, dtype=np.int64),
            layout.bits,
        )
        return np.frombuffer(packed, dtype=np.uint64).reshape(len(texts), layout.words).copy()
    records, codes = text_bigrams(texts)
    positions = _bigram_positions(codes, _derived_key(key, "positions"), layout)
    filters = np.zeros((len(texts), layout.words), dtype=np.uint64)
    record_bounds = np.searchsorted(records, np.arange(0, len(texts) + chunk_records, chunk_records))
    for chunk_index, first in enumerate(range(0, len(texts), chunk_records)):
        count = min(chunk_records, len(texts) - first)
        lower, upper = record_bounds[chunk_index], record_bounds[chunk_index + 1]
        # bit-major layout: the diffusion gathers whole rows (fast copies) instead of scattered columns
        bits = np.zeros((layout.bits, count), dtype=bool)
        rows = np.repeat(records[lower:upper] - first, layout.positions_per_bigram)
        bits[positions[codes[lower:upper]].reshape(-1), rows] = True
        diffused = bits[diffusion[:, 0]]
        for input_index in range(1, DIFFUSION_INPUTS):
            diffused ^= bits[diffusion[:, input_index]]
        packed = np.ascontiguousarray(np.packbits(diffused, axis=0).T)
        filters[first : first + count] = packed.view(np.uint64)
    return filters


def encode_table(table: CompanyTable, *, secret: bytes, progress: ProgressReport = _silent) -> EncodedTable:
    """Encode a company table with the shared secret."""
    check_secret(secret)
    normalised, from_email = matching_frame(table, stripped=False, with_rest=True)
    street = (
        table.frame["street"]
        if "street" in table.frame.columns
        else pl.Series([None] * table.frame.height, dtype=pl.String)
    )
    flags = pl.DataFrame({"street": street, "from_email": from_email}).select(
        pl.when(is_po_box(pl.col("street")).fill_null(False)).then(pl.lit("1")).alias("po_box"),
        pl.when(pl.col("from_email")).then(pl.lit("1")).alias("domain_from_email"),
    )
    normalised = pl.concat([normalised, flags], how="horizontal")
    # VAT ids are compared by keyed hash only: those that fail their check digits are dropped here, as
    # matching in the clear does where it matters (python-stdnum, once per distinct id)
    normalised = normalised.with_columns(
        pl.when(pl.Series(vat_ids_valid(normalised["vat_id"])))
        .then(pl.col("vat_id"))
        .otherwise(None)
        .alias("vat_id")
    )
    progress(f"normalised {normalised.height:,} records")
    filter_texts = normalised.select(
        pl.col("name_sorted").alias("name"),  # words sorted: word order does not change the filter
        pl.concat_str(
            [pl.col("street_name"), pl.col("house_number")], separator=" ", ignore_nulls=True
        ).alias("street"),
        pl.col("postal_code"),
        pl.col("city_key").alias("city"),
    )
    # The Bloom filters (numpy, which releases the GIL) are built in a worker thread while this thread
    # computes the keyed hashes (a Python loop); on two cores the two overlap.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending_filters = {
            field: pool.submit(
                bloom_filters, filter_texts[field], _derived_key(secret, f"filter/{field}"), layout
            )
            for field, layout in FILTER_LAYOUTS.items()
        }
        blocking_key = _derived_key(secret, "blocking")
        blocking_keys = hashed_blocking_keys(
            blocking_key_strings(normalised), lambda values: keyed_string_hashes(values, blocking_key)
        )
        exact_hashes = {
            field: _keyed_codes(normalised[field], _derived_key(secret, f"exact/{field}"))
            for field in EXACT_KEY_FIELDS
        }
        progress("keyed hashes done")
        filters = {field: future.result() for field, future in pending_filters.items()}
    progress("Bloom filters done")
    return EncodedTable(
        ids=table.ids,
        secret_fingerprint=secret_fingerprint(secret),
        exact_hashes=exact_hashes,
        blocking_keys=blocking_keys,
        filters=filters,
        source=table.source,
    )


def encode_records(records: Sequence[CompanyRecord], *, secret: bytes) -> EncodedTable:
    """Encode records with the shared secret (see the module docstring for what is kept and how)."""
    return encode_table(CompanyTable.from_records(records), secret=secret)


def _metadata() -> dict[str, object]:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "filters": {
            field: [layout.bits, layout.positions_per_bigram] for field, layout in FILTER_LAYOUTS.items()
        },
        "diffusion_inputs": DIFFUSION_INPUTS,
        "exact_keys": list(EXACT_KEY_FIELDS),
    }


def write_encoded(table: EncodedTable, path: str | Path) -> None:
    """Write an encoded table as an Arrow IPC file with its format description in the schema metadata."""
    ids = table.ids.to_arrow()
    columns: dict[str, pa.Array] = {
        "id": (ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids).cast(pa.string())
    }
    for field in EXACT_KEY_FIELDS:
        columns[f"exact_{field}"] = pa.array(table.exact_hashes[field], type=pa.uint64())
    for index in range(table.blocking_keys.shape[1]):
        columns[f"block_{index}"] = pa.array(table.blocking_keys[:, index], type=pa.uint64())
    for field, layout in FILTER_LAYOUTS.items():
        raw = np.ascontiguousarray(table.filters[field]).view(np.uint8).reshape(-1)
        columns[f"filter_{field}"] = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(layout.words * 8), len(table), [None, pa.py_buffer(raw)]
        )
    metadata = _metadata() | {"secret_fingerprint": table.secret_fingerprint}
    arrow_table = pa.table(columns).replace_schema_metadata({"handschlag": json.dumps(metadata)})
    try:
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, arrow_table.schema) as writer:
            writer.write_table(arrow_table)
    except OSError as error:
        raise MatchingInputError(str(path), 0, f"cannot write the encoded file: {error}") from None


def _id_series(column: pa.ChunkedArray) -> pl.Series:
    ids = pl.from_arrow(column)
    assert isinstance(ids, pl.Series)
    return ids.alias("id").cast(pl.String)


_ARROW_FILE_MAGIC: Final = b"ARROW1"
_RECORD_BATCH_HEADER: Final = 3  # MessageHeader union of Arrow's Message.fbs: Schema = 1, DictionaryBatch = 2


def _flatbuffer_field(buffer: bytes, table: int, index: int) -> int:
    """Where field `index` of the flatbuffer table at `table` lies (0: absent)."""
    vtable = table - int.from_bytes(buffer[table : table + 4], "little", signed=True)
    vtable_size = int.from_bytes(buffer[vtable : vtable + 2], "little")
    entry = 4 + 2 * index
    if entry + 2 > vtable_size:
        return 0
    offset = int.from_bytes(buffer[vtable + entry : vtable + entry + 2], "little")
    return table + offset if offset else 0


def _record_batch_header(metadata: bytes) -> tuple[int, bool] | None:
    """(rows, compressed) from an IPC message's flatbuffer header (Arrow's Message.fbs), without reading its
    body; None when the message is not a record batch."""
    root = int.from_bytes(metadata[0:4], "little")
    header_type_at = _flatbuffer_field(metadata, root, 1)
    header_at = _flatbuffer_field(metadata, root, 2)
    if not header_type_at or metadata[header_type_at] != _RECORD_BATCH_HEADER or not header_at:
        return None
    batch = header_at + int.from_bytes(metadata[header_at : header_at + 4], "little")
    length_at = _flatbuffer_field(metadata, batch, 0)
    rows = int.from_bytes(metadata[length_at : length_at + 8], "little", signed=True) if length_at else 0
    return rows, bool(_flatbuffer_field(metadata, batch, 3))


def _expected_schema() -> pa.Schema:
    return pa.schema(
        [pa.field("id", pa.string())]
        + [pa.field(f"exact_{field}", pa.uint64()) for field in EXACT_KEY_FIELDS]
        + [pa.field(f"block_{index}", pa.uint64()) for index in range(len(ALL_BLOCKING_KEY_EXPRESSIONS))]
        + [
            pa.field(f"filter_{field}", pa.binary(layout.words * 8))
            for field, layout in FILTER_LAYOUTS.items()
        ]
    )


def _read_checked_batches(name: str, source: pa.MemoryMappedFile, max_records: int | None) -> pa.Table:
    """The file's record batches, each checked from its header before its body is touched: uncompressed (so the
    table is no larger than the file), the expected columns and widths, and no more records than allowed."""
    not_encoded = "this is not a file made by 'handschlag encode'"
    if source.read(len(_ARROW_FILE_MAGIC)) != _ARROW_FILE_MAGIC:
        raise MatchingInputError(name, 0, not_encoded)
    footer_batches = pa.ipc.open_file(source).num_record_batches  # reads the footer only: a whole file?
    source.seek(8)  # the magic and its padding; then the messages in stream format
    reader = pa.ipc.MessageReader.open_stream(source)
    schema = pa.ipc.read_schema(reader.read_next_message())
    expected = _expected_schema()
    if not schema.remove_metadata().equals(expected):
        raise MatchingInputError(
            name,
            0,
            "its columns are not those 'handschlag encode' writes (filter sizes or keys differ); encode again",
        )
    batches: list[pa.RecordBatch] = []
    records = 0
    while True:
        try:
            message = reader.read_next_message()
        except StopIteration:
            break
        header = _record_batch_header(message.metadata.to_pybytes())
        if header is None:
            raise MatchingInputError(name, 0, f"{not_encoded} (it holds a {message.type} message)")
        rows, compressed = header
        if compressed:
            raise MatchingInputError(name, 0, f"{not_encoded} (its data is compressed)")
        records += rows
        if max_records is not None and records > max_records:
            raise InputLimitError(
                name,
                0,
                f"more than {max_records:,} records (at most {max_records:,} are accepted)",
                what="records",
                value=records,
                limit=max_records,
            )
        batch = pa.ipc.read_record_batch(message, schema)
        batch.validate(full=True)
        batches.append(batch)
    if len(batches) != footer_batches:
        raise MatchingInputError(name, 0, f"{not_encoded} (its batches and its footer disagree)")
    return pa.Table.from_batches(batches, schema=schema)


def _check_ids(name: str, ids: pa.ChunkedArray, max_id_chars: int | None) -> None:
    if len(ids) == 0:
        return
    lengths = pc.utf8_length(ids)
    shortest = pc.min(lengths).as_py()
    if shortest == 0:
        record = pc.index(lengths, 0).as_py() + 1
        raise MatchingInputError(name, 0, f"record {record:,} has an empty id")
    longest = pc.max(lengths).as_py()
    if max_id_chars is not None and longest > max_id_chars:
        record = pc.index(lengths, longest).as_py() + 1
        raise InputLimitError(
            name,
            record,
            f"record {record:,} has an id of {longest:,} characters (at most {max_id_chars:,} are accepted)",
            what="id_chars",
            value=longest,
            limit=max_id_chars,
        )


def read_encoded(
    path: str | Path, *, max_records: int | None = None, max_id_chars: int | None = None
) -> EncodedTable:
    """Read a file written by ``write_encoded`` (``handschlag encode``).

    Checked before the data is read: the columns and filter sizes, no compression (the records take no more
    memory than the file's size), at most ``max_records`` records; then every id is non-empty and at most
    ``max_id_chars`` characters long. Limits the caller sets raise ``InputLimitError``."""
    name = str(path)
    try:
        with pa.memory_map(name, "r") as source:
            arrow_table = _read_checked_batches(name, source, max_records)
    except FileNotFoundError:
        raise MatchingInputError(name, 0, "cannot read the file: No such file or directory") from None
    except (OSError, pa.ArrowInvalid, StopIteration, IndexError):
        raise MatchingInputError(name, 0, "this is not a file made by 'handschlag encode'") from None
    _check_ids(name, arrow_table.column("id"), max_id_chars)
    raw_metadata = (arrow_table.schema.metadata or {}).get(b"handschlag")
    if raw_metadata is None:
        raise MatchingInputError(name, 0, "this is not a file made by 'handschlag encode'")
    metadata = json.loads(raw_metadata)
    expected = _metadata()
    if metadata.get("format") != FORMAT_NAME or metadata.get("version") != FORMAT_VERSION:
        raise MatchingInputError(
            name,
            0,
            f"encoded with format version {metadata.get('version')}; this handschlag reads version "
            f"{FORMAT_VERSION}: encode the list again with this version",
        )
    if {key: metadata.get(key) for key in expected} != expected:
        raise MatchingInputError(
            name, 0, "encoded with other parameters than this handschlag uses; encode again"
        )
    block_columns = sorted(
        (column for column in arrow_table.column_names if column.startswith("block_")),
        key=lambda column: int(column.split("_")[1]),
    )
    filters = {}
    for field, layout in FILTER_LAYOUTS.items():
        column = arrow_table.column(f"filter_{field}").combine_chunks()
        data = np.frombuffer(column.buffers()[1], dtype=np.uint8)
        start = column.offset * layout.words * 8
        filters[field] = (
            data[start : start + len(column) * layout.words * 8]
            .view(np.uint64)
            .reshape(len(column), layout.words)
        )
    return EncodedTable(
        ids=_id_series(arrow_table.column("id")),
        secret_fingerprint=str(metadata.get("secret_fingerprint", "")),
        exact_hashes={
            field: arrow_table.column(f"exact_{field}").to_numpy().astype(np.uint64)
            for field in EXACT_KEY_FIELDS
        },
        blocking_keys=np.stack(
            [arrow_table.column(column).to_numpy().astype(np.uint64) for column in block_columns], axis=1
        ),
        filters=filters,
        source=name,
    )
