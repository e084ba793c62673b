"""The mapping module's only door to the matching engine (docs/adr/0302).

Clear lists go through `match_records`; encoded lists through the engine's privacy-preserving functions
`encode_records`, `read_encoded` and `match_encoded`, imported when needed so that clear mapping works even
where the encoded mode is not installed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from handschlag.mapping.partner_lists import PartnerListError
from handschlag.matching import (
    CompanyRecord,
    EncodedTable,
    InputLimitError,
    MatchingInputError,
    MatchPair,
    match_records,
)

# Account mapping is about companies, not rows: records of one list that are the same company all map to the
# other side's record(s) (the engine's "many" mode, docs/adr/0107 and 0306); each pair with its evidence.
MAPPING_MODE = "many"


def match_clear(ours: Sequence[CompanyRecord], theirs: Sequence[CompanyRecord]) -> list[MatchPair]:
    """Pairs with their evidence (left = our account id, right = the partner's record id); every record of a
    company on either side is paired with the other side's records of it."""
    return match_records(list(ours), list(theirs), mode=MAPPING_MODE, explain=True)


def encoded_ids(path: Path, *, source: str) -> list[str]:
    table = _read_encoded(path, source=source)
    return [str(identifier) for identifier in table.ids]


def _read_encoded(path: Path, *, source: str) -> EncodedTable:
    try:
        from handschlag.matching import read_encoded
    except ImportError:
        raise PartnerListError(_("This installation cannot read encoded files yet.")) from None
    try:
        return read_encoded(
            path,
            max_records=settings.HANDSCHLAG_IMPORT_MAX_ROWS,
            max_id_chars=settings.HANDSCHLAG_MAPPING_MAX_ID_CHARS,
        )
    except InputLimitError as error:
        raise PartnerListError(_limit_message(error, source)) from None
    except MatchingInputError as error:
        raise PartnerListError(
            _("%(file)s is not an encoded file from “handschlag encode”: %(reason)s")
            % {"file": source, "reason": error.message}
        ) from None
    except (ValueError, OSError, KeyError) as error:
        raise PartnerListError(
            _("%(file)s is not an encoded file from “handschlag encode” (%(reason)s).")
            % {"file": source, "reason": type(error).__name__}
        ) from None


def _limit_message(error: InputLimitError, source: str) -> str:
    limit = number_format(error.limit, force_grouping=True)
    if error.what == "records":
        return _("%(file)s has more than %(limit)s records; at most %(limit)s are accepted.") % {
            "file": source,
            "limit": limit,
        }
    return _(
        "Record %(record)s of %(file)s has an id of %(count)s characters; at most %(limit)s are accepted."
    ) % {
        "record": number_format(error.line, force_grouping=True),
        "file": source,
        "count": number_format(error.value, force_grouping=True),
        "limit": limit,
    }


def match_against_encoded(
    ours: Sequence[CompanyRecord], *, secret: str, partner_file: Path, source: str
) -> list[MatchPair]:
    """Encode our accounts with the agreement's secret and match them against the partner's encoded file."""
    try:
        from handschlag.matching import encode_records, match_encoded
    except ImportError:
        raise PartnerListError(_("This installation cannot match encoded files yet.")) from None
    theirs = _read_encoded(partner_file, source=source)
    # The partner's KEY file holds the same text; the engine reads it as bytes (surrounding whitespace dropped).
    mine = encode_records(list(ours), secret=secret.strip().encode())
    try:
        result = match_encoded(mine, theirs, mode=MAPPING_MODE, explain=True)
    except MatchingInputError as error:
        raise PartnerListError(error.message) from None
    if not result.same_secret:
        raise PartnerListError(
            _(
                "%(file)s was encoded with another secret than this agreement's. Ask the partner to encode "
                "the list again with the secret shown in the portal."
            )
            % {"file": source}
        )
    return list(result.pairs)


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _folded(text: str) -> str:
    text = text.casefold().replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_ALNUM.sub(" ", text).strip()


def partner_stable_key(record: CompanyRecord) -> str:
    """What identifies a partner's record across runs, so that a decision on a pair outlives its run: the record's
    own id where the list has one (a CRM number, the id of an encoded file), else its folded name with its postal
    code or city ("line-7" says nothing about the company on line 7 of the next list). docs/adr/0306."""
    own_id = str(getattr(record, "source_id", "") or "")
    if own_id:
        return f"id:{own_id}"[:300]
    if record.id and not record.id.startswith("line-"):
        return f"id:{record.id}"[:300]
    place = _folded(record.postal_code).replace(" ", "") or _folded(record.city)
    return f"name:{_folded(record.name)}|{place}"[:300]
