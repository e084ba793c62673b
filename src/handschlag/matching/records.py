"""The value types the matching engine takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field

COMPANY_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "domain",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "phone",
    "email",
    "source_id",
)

# The fields that evidence (``FieldEvidence.field``) is reported for.
EVIDENCE_FIELDS: tuple[str, ...] = (
    "name",
    "domain",
    "street",
    "postal_code",
    "city",
    "country",
    "vat_id",
    "phone",
    "email_domain",
)

# What a field comparison found (``FieldEvidence.outcome``).
AGREES = "agrees"
SIMILAR = "similar"
DISAGREES = "disagrees"
MISSING = "missing"
OUTCOMES: tuple[str, ...] = (AGREES, SIMILAR, DISAGREES, MISSING)

# How records are assigned to each other (``match_records(mode=...)``, ``--mode``); see matching/__init__.py.
ONE_TO_ONE = "one-to-one"
MANY = "many"
ALL = "all"
MODES: tuple[str, ...] = (ONE_TO_ONE, MANY, ALL)
DEFAULT_MODE = MANY


@dataclass(frozen=True, slots=True)
class CompanyRecord:
    """One company as a CRM or an accounts list knows it. Every field but ``id`` and ``name`` may be empty."""

    id: str
    name: str
    domain: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    vat_id: str = ""
    phone: str = ""
    email: str = ""  # only its domain is used (and only when it is not a shared mail service)
    source_id: str = ""  # the id the record has in its source (a partner's own customer number); not matched


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """What one field contributed to a pair's score.

    ``field`` is one of ``EVIDENCE_FIELDS``; ``outcome`` one of ``OUTCOMES`` ("missing": either record lacks
    the field, which adds nothing); ``similarity`` in [0, 1] where one was computed (None for fields compared
    for equality only, and for missing ones); ``weight`` the log-odds the field added (negative = against).
    """

    field: str
    outcome: str
    similarity: float | None
    weight: float


@dataclass(frozen=True, slots=True)
class MatchPair:
    """A left record and a right record the engine takes to be the same company, with a score in [0, 1].

    ``evidence`` says field by field why (empty unless the caller asked for it with ``explain=True``).
    """

    left_id: str
    right_id: str
    score: float
    evidence: tuple[FieldEvidence, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The pairs of a matching run plus what the caller should be told about it.

    ``same_secret`` is False when two encoded files were made with different secrets: the pairs are then
    meaningless (usually there are none) and ``warnings`` says so in words.
    """

    pairs: list[MatchPair]
    warnings: list[str] = field(default_factory=list)
    same_secret: bool = True


class MatchingInputError(Exception):
    """Input the engine cannot use, with the file, the 1-based line (0 when the whole file is at fault) and why."""

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message for a person, on one line: ``file, line N: problem``."""
        where = f"{self.file}, line {self.line}" if self.line > 0 else self.file
        return f"{where}: {self.message}".replace("\n", " ")


class InputLimitError(MatchingInputError):
    """Input over a limit the caller set (``what`` names it: "records", "id_chars"), with the value found (or
    the limit plus one when reading stopped there) and the limit, so that a caller can say it in its language."""

    def __init__(self, file: str, line: int, message: str, *, what: str, value: int, limit: int) -> None:
        super().__init__(file, line, message)
        self.what = what
        self.value = value
        self.limit = limit
