"""The key under which a lead's company counts as "the same company" for the rule that a partner offers one
company once while a lead is open (a database constraint on the key). Pure functions, no ORM.

The spelling is folded as the matching engine folds names (case, umlauts and ß, punctuation) and the legal form is
dropped, so "Müller Maschinenbau GmbH" and "MUELLER Maschinenbau G.m.b.H." share a key. The engine itself decides
which of our accounts the company is (services/leads.py); this key only keeps a partner from offering it twice.
"""

from __future__ import annotations

import re
import unicodedata

from handschlag.matching.vocabulary import LEGAL_FORM_CANONICAL, LEGAL_FORM_SPELLINGS, NAME_STOPWORDS

_DROPPED = str.maketrans("", "", "'\u2019`\u00b4.")
_FOLDED_VOWEL = re.compile(r"([aou])e+")
_NOT_A_WORD = re.compile(r"[^a-z0-9]+")
_LEGAL_FORMS = sorted(
    {*LEGAL_FORM_SPELLINGS, *LEGAL_FORM_CANONICAL, *LEGAL_FORM_CANONICAL.values(), "co", "co kg", "mbh"},
    key=lambda form: -len(form),
)


def _fold(text: str) -> str:
    text = text.lower().replace("ß", "ss").replace("&", " ").translate(_DROPPED)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(_NOT_A_WORD.sub(" ", _FOLDED_VOWEL.sub(r"\1", text)).split())


def company_key(name: str) -> str:
    """The folded name without legal forms at its end and without stop words; at most 200 characters."""
    folded = _fold(name)
    changed = True
    while changed and folded:
        changed = False
        for form in _LEGAL_FORMS:
            if folded == form:
                break
            if folded.endswith(" " + form):
                folded = folded[: -len(form) - 1].strip()
                changed = True
                break
    words = [word for word in folded.split() if word not in NAME_STOPWORDS] or folded.split()
    return " ".join(words)[:200]
