"""Typed inputs of the mapping services: the same models are the API's bodies and what the forms feed.

Field shapes (choices, ranges, lengths) live here; rules that need the database or the actor stay in the
services (docs/ARCHITECTURE.md, "Services: typed inputs, guarded by themselves").
"""

from __future__ import annotations

from pydantic import Field

from handschlag.core.inputs import PatchInput, ServiceInput
from handschlag.mapping.enums import MappingSource, MatchVerdict, Population, SharedField, SharingLevel
from handschlag.mapping.models import (
    COUNT_RELEASE_DAYS_FLOOR,
    MIN_CELL_SIZE_FLOOR,
    MIN_LIST_RECORDS_FLOOR,
)


class SharingRuleInput(ServiceInput):
    """The rule of one population of our accounts. Fields count only where the level is "overlapping accounts"."""

    level: SharingLevel
    fields: list[SharedField] = Field(default_factory=list, max_length=len(SharedField))


class SharingRulesPatch(PatchInput):
    """The sharing rules of an agreement: the rules of the populations given, and the protection of counts.

    Populations not given keep their rule; settings not given keep their value."""

    rules: dict[Population, SharingRuleInput] = Field(default_factory=dict)
    min_cell_size: int | None = Field(
        None,
        ge=MIN_CELL_SIZE_FLOOR,
        le=100,
        description="k: counts below k are shown to the partner as a band, never exactly",
    )
    min_list_records: int | None = Field(
        None,
        ge=MIN_LIST_RECORDS_FLOOR,
        le=100_000,
        description="a partner list with fewer records is refused before it is matched",
    )
    count_release_days: int | None = Field(
        None,
        ge=COUNT_RELEASE_DAYS_FLOOR,
        le=365,
        description="the partner sees the counts of at most one run in this many days",
    )


class MappingRunInput(ServiceInput):
    """How to read the uploaded list of a new mapping run (the files themselves go beside it)."""

    source: MappingSource = MappingSource.CLEAR
    default_population: Population = Population.CUSTOMER
    skip_bad_rows: bool = False
    saved_mapping: str = Field(
        default="", max_length=100, description="a saved column mapping's name or id (our people only)"
    )
    confirm_columns: bool = Field(
        default=False, description="wait until the columns are confirmed (GET/POST /mappings/{id}/columns)"
    )


class MappingColumnsInput(ServiceInput):
    """The columns of a list in clear as the user confirmed them, and a name to save them under (optional)."""

    columns: dict[str, str] = Field(
        description='header → field ("" ignores the column, "population" is the partner\'s population); '
        "columns not named are detected"
    )
    save_as: str = Field("", max_length=100, description="save the mapping under this name (our people only)")


class ExclusionInput(ServiceInput):
    """An account marked never to be shared with any partner."""

    account_id: int = Field(ge=1)
    reason: str = Field("", max_length=300)


class MatchDecisionInput(ServiceInput):
    """A person's verdict on a pair: confirmed, or rejected (left out of every later run of the agreement)."""

    verdict: MatchVerdict
    note: str = Field("", max_length=300)
