"""The company matching engine: which records of two company lists are the same real company.

A pure Python package (numpy, polars, pyarrow, rapidfuzz, python-stdnum; no Django). Stable API:

``CompanyRecord(id, name, domain="", street="", postal_code="", city="", country="", vat_id="", phone="",
email="", source_id="")``
    A frozen dataclass; every field but ``id`` and ``name`` may be empty. ``email`` counts only by its domain
    (and only when it is not a shared mail service); ``source_id`` (a partner's own customer number) is
    carried, never compared.
``match_records(left, right, *, threshold=None, mode=None, explain=False) -> list[MatchPair]``
    ``MatchPair(left_id, right_id, score, evidence=())`` with score in [0, 1], best first; ``threshold``
    defaults to 0.5. ``mode`` says how records are paired (``MODES``; the command line's ``--mode``):

    - ``"many"`` (the default, made for account mapping, which is about companies, not rows): the pairs of
      the one-to-one assignment, widened to whole companies — two records of one list are one company when
      the other side's record matches both and the two match each other; then every record of that company
      is paired with every record of the same company on the other side (see docs/adr/0107).
    - ``"one-to-one"``: each record in at most one pair (greedy by score).
    - ``"all"``: every pair at or above the threshold, unassigned.
    - ``"one-to-many"`` (deprecated, also as ``one_to_many=True``): each right record to its best left one.

    With ``explain`` each pair carries ``evidence``: a ``FieldEvidence(field, outcome, similarity, weight)``
    per field of ``EVIDENCE_FIELDS`` — outcome "agrees", "similar", "disagrees" or "missing" (which adds
    nothing), the similarity where one was computed, and the log-odds the field added; the weights plus the
    baseline sum to the log-odds of the score.
``read_company_csv(path) -> list[CompanyRecord]``
    Reads a CRM export: encoding (UTF-8, BOM, UTF-16, Windows-1252), delimiter and columns detected.
``MatchingInputError(file, line, message)``
    Raised for input the engine cannot use; ``str(error)`` is one line for a person. Its subclass
    ``InputLimitError`` (``what``, ``value``, ``limit``) for input over a limit the caller set.

``encode_records(records, *, secret: bytes) -> EncodedTable``
    Keyed encodings (keyed hashes, hardened CLK Bloom filters) of records; the secret is shared by both sides.
``write_encoded(table, path)`` / ``read_encoded(path, *, max_records=None, max_id_chars=None) -> EncodedTable``
    The encoded file (Arrow IPC) that one side hands to the other; reading checks it before its data is read.
``match_encoded(left, right, *, threshold=None, mode=None, explain=False) -> MatchResult``
    ``MatchResult(pairs, warnings, same_secret)``: ``same_secret`` is False, and ``warnings`` says so,
    when the two tables were encoded with different secrets. ``mode`` and ``explain`` as for ``match_records``.

The command line lives in ``handschlag.matching.cli`` (``main(argv) -> int``); docs/matching.md explains
how the engine works.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from handschlag.matching.records import (
    DEFAULT_MODE,
    EVIDENCE_FIELDS,
    MODES,
    CompanyRecord,
    FieldEvidence,
    InputLimitError,
    MatchingInputError,
    MatchPair,
    MatchResult,
)

if TYPE_CHECKING:
    from handschlag.matching.csv_input import read_company_csv
    from handschlag.matching.encoded_matching import match_encoded
    from handschlag.matching.encoding import EncodedTable, encode_records, read_encoded, write_encoded
    from handschlag.matching.engine import DEFAULT_THRESHOLD, match_records

# The heavier modules are imported on first use (PEP 562), so that e.g. ``handschlag match`` does not load
# the encoding code and ``import handschlag.matching`` stays cheap.
_LAZY = {
    "read_company_csv": "csv_input",
    "match_encoded": "encoded_matching",
    "EncodedTable": "encoding",
    "encode_records": "encoding",
    "read_encoded": "encoding",
    "write_encoded": "encoding",
    "DEFAULT_THRESHOLD": "engine",
    "match_records": "engine",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "DEFAULT_MODE",
    "DEFAULT_THRESHOLD",
    "EVIDENCE_FIELDS",
    "MODES",
    "CompanyRecord",
    "EncodedTable",
    "FieldEvidence",
    "InputLimitError",
    "MatchPair",
    "MatchResult",
    "MatchingInputError",
    "encode_records",
    "match_encoded",
    "match_records",
    "read_company_csv",
    "read_encoded",
    "write_encoded",
]
