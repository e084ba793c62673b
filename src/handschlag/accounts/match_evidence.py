"""Why the matching engine takes two records for the same company, in words a person reads.

The engine explains each pair it finds (`match_records(..., explain=True)`: a `FieldEvidence` per field with its
outcome — agrees, similar, disagrees, missing —, the similarity where one was computed and the log-odds weight it
contributed). This module stores that as plain JSON and turns it into a sentence such as "Same VAT ID, name 94 %,
same postal code" ("Gleiche USt-IdNr., Name 94 %, gleiche PLZ"), strongest evidence first. Used by the mapping
run's drill-down (mapping) and the possible duplicates among our accounts (accounts), for our people only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "domain": gettext_lazy("Domain"),
    "street": gettext_lazy("Street"),
    "postal_code": gettext_lazy("Postal code"),
    "city": gettext_lazy("City"),
    "country": gettext_lazy("Country"),
    "vat_id": gettext_lazy("VAT ID"),
    "phone": gettext_lazy("Phone"),
    "email_domain": gettext_lazy("E-mail domain"),
}
# one phrase per field and outcome: German adjectives take the noun's gender, so no phrase is built from parts
_SAME = {
    "name": gettext_lazy("same name"),
    "domain": gettext_lazy("same domain"),
    "street": gettext_lazy("same street"),
    "postal_code": gettext_lazy("same postal code"),
    "city": gettext_lazy("same city"),
    "country": gettext_lazy("same country"),
    "vat_id": gettext_lazy("same VAT ID"),
    "phone": gettext_lazy("same phone number"),
    "email_domain": gettext_lazy("same e-mail domain"),
}
_OTHER = {
    "name": gettext_lazy("other name"),
    "domain": gettext_lazy("other domain"),
    "street": gettext_lazy("other street"),
    "postal_code": gettext_lazy("other postal code"),
    "city": gettext_lazy("other city"),
    "country": gettext_lazy("other country"),
    "vat_id": gettext_lazy("other VAT ID"),
    "phone": gettext_lazy("other phone number"),
    "email_domain": gettext_lazy("other e-mail domain"),
}
_SIMILAR = {
    "name": gettext_lazy("name %(percent)d %%"),
    "domain": gettext_lazy("domain %(percent)d %%"),
    "street": gettext_lazy("street %(percent)d %%"),
    "postal_code": gettext_lazy("postal code %(percent)d %%"),
    "city": gettext_lazy("city %(percent)d %%"),
    "country": gettext_lazy("country %(percent)d %%"),
    "vat_id": gettext_lazy("VAT ID %(percent)d %%"),
    "phone": gettext_lazy("phone number %(percent)d %%"),
    "email_domain": gettext_lazy("e-mail domain %(percent)d %%"),
}
OUTCOMES = ("agrees", "similar", "disagrees", "missing")


def evidence_to_json(evidence: Iterable[Any]) -> list[dict[str, Any]]:
    """The engine's `FieldEvidence` objects as JSON for a JSONField (rounded: 3 digits are plenty)."""
    stored = []
    for item in evidence:
        similarity = getattr(item, "similarity", None)
        stored.append(
            {
                "field": str(item.field),
                "outcome": str(item.outcome),
                "similarity": None if similarity is None else round(float(similarity), 3),
                "weight": round(float(item.weight), 2),
            }
        )
    return stored


@dataclass(frozen=True)
class EvidenceLine:
    """One field of a pair's evidence as the drill-down's table shows it."""

    field: str
    label: str
    outcome: str
    text: str
    percent: int | None
    weight: float


def _percent(similarity: Any) -> int | None:
    if similarity is None:
        return None
    return max(0, min(100, round(float(similarity) * 100)))


def _phrase(item: Mapping[str, Any]) -> str:
    field, outcome = str(item.get("field", "")), str(item.get("outcome", ""))
    label = FIELD_LABELS.get(field, field)
    percent = _percent(item.get("similarity"))
    if outcome == "agrees" and (percent is None or percent >= 100):
        return str(_SAME.get(field, label))
    if outcome in {"agrees", "similar"} or (outcome == "disagrees" and percent is not None and percent > 0):
        similar = _SIMILAR.get(field)
        if similar is None:
            return f"{label} {percent or 0} %"
        return str(similar) % {"percent": percent or 0}
    if outcome == "disagrees":
        return str(_OTHER.get(field, label))
    return _("%(field)s missing on one side") % {"field": label}


def _ordered(evidence: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Strongest support first, then what speaks against the pair, strongest first; missing fields last."""
    known = [item for item in evidence if item.get("outcome") in OUTCOMES]
    return sorted(
        known,
        key=lambda item: (
            item.get("outcome") == "missing",
            float(item.get("weight") or 0) < 0,
            -abs(float(item.get("weight") or 0)),
        ),
    )


def evidence_lines(evidence: Sequence[Mapping[str, Any]]) -> list[EvidenceLine]:
    return [
        EvidenceLine(
            field=str(item["field"]),
            label=str(FIELD_LABELS.get(str(item["field"]), item["field"])),
            outcome=str(item["outcome"]),
            text=_phrase(item),
            percent=_percent(item.get("similarity")),
            weight=round(float(item.get("weight") or 0), 1),
        )
        for item in _ordered(evidence)
    ]


def evidence_sentence(evidence: Sequence[Mapping[str, Any]]) -> str:
    """ "Same VAT ID, name 94 %, same postal code": what the engine compared, strongest first (missing fields are
    left out). Empty when the pair carries no evidence (a run from before the engine explained its pairs)."""
    phrases = [_phrase(item) for item in _ordered(evidence) if item.get("outcome") != "missing"]
    if not phrases:
        return ""
    sentence = ", ".join(phrases)
    return sentence[0].upper() + sentence[1:]
