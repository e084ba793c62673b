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
)


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


@dataclass(frozen=True, slots=True)
class MatchPair:
    """A left record and a right record the engine takes to be the same company, with a score in [0, 1]."""

    left_id: str
    right_id: str
    score: float


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
