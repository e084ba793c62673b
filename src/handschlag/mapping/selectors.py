"""Reads of account mapping. Every overlap a person sees comes through `overlap_cells_for` and
`overlap_rows_for`, which apply the double opt-in, the sharing rules and the accounts never shared."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery

from handschlag.accounts.enums import AccountStatus
from handschlag.accounts.match_evidence import evidence_sentence
from handschlag.accounts.selectors import account_list_by_ids, accounts_with_open_orders
from handschlag.coselling.selectors.opportunities import has_open_opportunity
from handschlag.mapping.enums import MappingStatus, Population, SharedField
from handschlag.mapping.models import (
    MappingMatch,
    MappingRun,
    MappingSettings,
    MatchDecision,
    ShareExclusion,
    SharingRule,
)
from handschlag.mapping.sharing import (
    Cell,
    Rule,
    clean_fields,
    overlap_cells,
    partner_may_list,
)
from handschlag.matching import CompanyRecord

if TYPE_CHECKING:
    from handschlag.alliances.models import Agreement


def our_population(*, status: str, has_open_opportunity: bool) -> str:
    """Customer, former customer, prospect — and a prospect with an open opportunity (co-selling's, issue 12;
    before it, open orders stood in) is "open opportunity" (docs/adr/0302)."""
    if status == AccountStatus.CUSTOMER:
        return Population.CUSTOMER
    if status == AccountStatus.FORMER_CUSTOMER:
        return Population.FORMER_CUSTOMER
    return Population.OPEN_OPPORTUNITY if has_open_opportunity else Population.PROSPECT


def our_records_for_mapping() -> tuple[list[CompanyRecord], dict[str, str]]:
    """All our accounts except those never to be shared, as engine records, with each one's population."""
    accounts = (
        accounts_with_open_orders()
        .annotate(has_open_opportunity=has_open_opportunity())
        .exclude(Exists(ShareExclusion.objects.filter(account=OuterRef("pk"))))
    )
    records: list[CompanyRecord] = []
    populations: dict[str, str] = {}
    for (
        pk,
        name,
        legal_form,
        domain,
        street,
        postal_code,
        city,
        country,
        vat_id,
        status,
        open_opportunity,
    ) in accounts.values_list(
        "pk",
        "name",
        "legal_form",
        "domain",
        "street",
        "postal_code",
        "city",
        "country",
        "vat_id",
        "status",
        "has_open_opportunity",
    ).iterator(chunk_size=5000):
        key = str(pk)
        records.append(
            CompanyRecord(
                id=key,
                name=f"{name} {legal_form}".strip(),
                domain=domain,
                street=street,
                postal_code=postal_code,
                city=city,
                country=country,
                vat_id=vat_id,
            )
        )
        populations[key] = our_population(status=status, has_open_opportunity=open_opportunity)
    return records, populations


def share_exclusion_list() -> QuerySet[ShareExclusion]:
    return ShareExclusion.objects.select_related("account", "created_by").order_by("account__name", "id")


def sharing_rules_of(agreement: Agreement) -> dict[str, Rule]:
    return {
        rule.population: Rule(level=rule.level, fields=clean_fields(rule.fields))
        for rule in SharingRule.objects.filter(agreement=agreement)
    }


def mapping_settings_of(agreement: Agreement) -> MappingSettings:
    """The count protection of an agreement; the defaults (not saved) while it has no row."""
    found = MappingSettings.objects.filter(agreement=agreement).first()
    return found if found is not None else MappingSettings(agreement=agreement)


def mapping_run_list(*, agreement: Agreement | None = None) -> QuerySet[MappingRun]:
    runs = MappingRun.objects.select_related("agreement__partner__organisation", "created_by")
    if agreement is not None:
        runs = runs.filter(agreement=agreement)
    return runs.order_by("-created_at", "-id")


def latest_done_run(*, agreement: Agreement) -> MappingRun | None:
    return mapping_run_list(agreement=agreement).filter(status=MappingStatus.DONE).first()


def latest_done_run_finished_at_by_agreement(*, agreement_ids: list[int]) -> dict[int, dt.datetime]:
    """When the latest done run of each agreement finished, in one query (for lists of partnerships)."""
    latest = (
        MappingRun.objects.filter(agreement_id=OuterRef("agreement_id"), status=MappingStatus.DONE)
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    return {
        row["agreement_id"]: row["finished_at"]
        for row in MappingRun.objects.filter(
            agreement_id__in=agreement_ids, status=MappingStatus.DONE, pk=Subquery(latest)
        ).values("agreement_id", "finished_at")
        if row["finished_at"] is not None
    }


def overlap_is_visible(run: MappingRun) -> bool:
    """Double opt-in: neither side sees an overlap before both agreed to the sharing rules."""
    return run.status == MappingStatus.DONE and run.agreement.both_opted_in


def _matches(run: MappingRun, *, for_partner: bool) -> QuerySet[MappingMatch]:
    matches = MappingMatch.objects.filter(run=run)
    if for_partner:
        matches = matches.exclude(Exists(ShareExclusion.objects.filter(account=OuterRef("account_id"))))
    return matches


def overlap_cells_for(run: MappingRun, *, for_partner: bool) -> list[Cell]:
    if not overlap_is_visible(run):
        return []
    counts = {
        (row["our_population"], row["partner_population"]): row["count"]
        for row in _matches(run, for_partner=for_partner)
        .values("our_population", "partner_population")
        .annotate(count=Count("cluster", distinct=True))  # companies, not pairs (docs/adr/0306)
        .order_by()
    }
    return overlap_cells(
        counts=counts,
        rules=sharing_rules_of(run.agreement),
        for_partner=for_partner,
        min_cell_size=run.min_cell_size,
        counts_released=run.counts_released,
    )


@dataclass(frozen=True)
class MatrixRow:
    population: str
    label: str
    cells: list[Cell]


def overlap_matrix_for(run: MappingRun, *, for_partner: bool) -> list[MatrixRow]:
    cells = overlap_cells_for(run, for_partner=for_partner)
    rows = []
    for population in Population:
        rows.append(
            MatrixRow(
                population=population.value,
                label=str(population.label),
                cells=[cell for cell in cells if cell.our_population == population.value],
            )
        )
    return rows if cells else []


def overlap_rows_for(
    run: MappingRun, *, for_partner: bool, our_population: str = "", partner_population: str = ""
) -> list[dict[str, Any]]:
    """The overlapping accounts one viewer may list, with only the fields he may see. Partners get the rows of
    populations whose rule is "overlapping accounts"; our people get every overlap."""
    if not overlap_is_visible(run):
        return []
    rules = sharing_rules_of(run.agreement)
    matches = (
        _matches(run, for_partner=for_partner)
        .select_related("account__owner", "partner_record")
        .annotate(has_open_opportunity=has_open_opportunity(account_field="account_id"))
        .order_by("account__name", "id")
    )
    if our_population:
        matches = matches.filter(our_population=our_population)
    if partner_population:
        matches = matches.filter(partner_population=partner_population)
    if for_partner:
        allowed = [population for population in Population.values if partner_may_list(rules, population)]
        matches = matches.filter(our_population__in=allowed)
    decisions = {} if for_partner else decisions_of_run(run)
    rows: list[dict[str, Any]] = []
    for match in matches:
        account = match.account
        fields = rules[match.our_population].fields if for_partner else tuple(SharedField.values)
        row: dict[str, Any] = {
            "our_population": match.our_population,
            "partner_population": match.partner_population,
            "name": account.display_name,
            "partner_record_id": match.partner_record.external_id,
            "partner_record_name": match.partner_record.name,
            "score": round(match.score, 2),
        }
        if not for_partner:  # our ids and the engine's evidence stay on our side (docs/adr/0306)
            row["account_id"] = account.pk
            row["match_id"] = match.pk
            row["evidence_text"] = evidence_sentence(match.evidence)
            decision = decisions.get((account.pk, match.partner_record.stable_key))
            row["decision"] = decision.verdict if decision is not None else None
        if SharedField.CITY in fields:
            row["city"] = account.city
        if SharedField.DOMAIN in fields:
            row["domain"] = account.domain
        if SharedField.OWNER in fields:
            row["owner"] = str(account.owner) if account.owner else ""
        if SharedField.OPEN_OPPORTUNITY in fields:
            row["open_opportunity"] = bool(match.has_open_opportunity)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class RunChanges:
    previous: MappingRun | None
    new: list[dict[str, Any]]
    gone: list[dict[str, Any]]
    new_count: int
    gone_count: int


def run_changes_for(run: MappingRun, *, for_partner: bool) -> RunChanges | None:
    """What changed since the previous run of the same agreement: overlaps that are new and that are gone.

    Partners get the new overlaps they may list and only the number of those gone, both in populations shared
    as "overlapping accounts"; they never learn which company stopped overlapping, and nothing of populations
    shared as "counts only" (a difference of two runs' counts would name the company that made it,
    docs/adr/0305)."""
    previous = run.previous_run
    if previous is None or not overlap_is_visible(run) or previous.status != MappingStatus.DONE:
        return None
    rules = sharing_rules_of(run.agreement)
    now_keys = {
        (match["account_id"], match["partner_record__external_id"]): match["our_population"]
        for match in _matches(run, for_partner=for_partner).values(
            "account_id", "partner_record__external_id", "our_population"
        )
    }
    before_keys = {
        (match["account_id"], match["partner_record__external_id"]): match["our_population"]
        for match in _matches(previous, for_partner=for_partner).values(
            "account_id", "partner_record__external_id", "our_population"
        )
    }
    new_keys = {key for key in now_keys if key not in before_keys}
    gone_keys = {key for key in before_keys if key not in now_keys}
    current_rows = overlap_rows_for(run, for_partner=for_partner)
    if for_partner:
        new_partner_ids = {key[1] for key in new_keys}
        new_rows = [row for row in current_rows if row["partner_record_id"] in new_partner_ids]
        gone_count = sum(1 for key in gone_keys if partner_may_list(rules, before_keys[key]))
        new_count = len(new_rows)
        return RunChanges(
            previous=previous, new=new_rows, gone=[], new_count=new_count, gone_count=gone_count
        )
    new_rows = [row for row in current_rows if (row["account_id"], row["partner_record_id"]) in new_keys]
    gone_accounts = {
        account.pk: account for account in account_list_by_ids(account_ids={key[0] for key in gone_keys})
    }
    gone_rows = [
        {
            "account_id": key[0],
            "name": gone_accounts[key[0]].display_name if key[0] in gone_accounts else "—",
            "partner_record_id": key[1],
            "our_population": before_keys[key],
        }
        for key in sorted(gone_keys)
    ]
    return RunChanges(
        previous=previous, new=new_rows, gone=gone_rows, new_count=len(new_rows), gone_count=len(gone_rows)
    )


def latest_visible_run_for_partner(*, agreement: Agreement) -> MappingRun | None:
    if not agreement.both_opted_in:
        return None
    return latest_done_run(agreement=agreement)


def portal_upload_list(*, agreement: Agreement) -> QuerySet[MappingRun]:
    """The runs of an agreement that users of the partner company uploaded themselves (their progress)."""
    return mapping_run_list(agreement=agreement).filter(
        created_by__organisation_id=agreement.partner.organisation_id
    )


# --- one account's overlaps (the account page's section) ---------------------------------------------------------


def account_overlaps(*, account_id: int) -> list[MappingMatch]:
    """The matches of this account in the latest finished mapping of each partnership, where both sides agreed to
    the sharing rules (double opt-in): which partners have this company too. For our people only (the caller
    checks). Two queries, whatever the number of partnerships."""
    latest = (
        MappingRun.objects.filter(agreement_id=OuterRef("run__agreement_id"), status=MappingStatus.DONE)
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    matches = (
        MappingMatch.objects.filter(
            account_id=account_id, run__status=MappingStatus.DONE, run_id=Subquery(latest)
        )
        .select_related("run__agreement__partner__organisation", "partner_record")
        .order_by("run__agreement__partner__name", "run__agreement_id")
    )
    return [match for match in matches if match.run.agreement.both_opted_in]


def share_exclusion_of(*, account_id: int) -> ShareExclusion | None:
    """The account's "never share" mark, if any."""
    return ShareExclusion.objects.filter(account_id=account_id).select_related("created_by").first()


# --- decisions on pairs (confirmed / rejected), kept across runs by stable keys -------------------------------


def rejected_pairs_of(*, agreement: Agreement) -> set[tuple[int, str]]:
    """(our account id, the partner record's stable key) of every pair rejected in this agreement's mappings."""
    return set(
        MatchDecision.objects.filter(agreement=agreement, verdict=MatchDecision.Verdict.REJECTED).values_list(
            "account_id", "partner_key"
        )
    )


def decisions_of_run(run: MappingRun) -> dict[tuple[int, str], MatchDecision]:
    """The decisions of the run's agreement, by (account id, partner key), with who decided."""
    return {
        (decision.account_id, decision.partner_key): decision
        for decision in MatchDecision.objects.filter(agreement_id=run.agreement_id).select_related(
            "decided_by"
        )
    }


def decision_of_match(match: MappingMatch) -> MatchDecision | None:
    return (
        MatchDecision.objects.filter(
            agreement_id=match.run.agreement_id,
            account_id=match.account_id,
            partner_key=match.partner_record.stable_key,
        )
        .select_related("decided_by")
        .first()
    )


def rejected_decisions_of(*, agreement: Agreement) -> QuerySet[MatchDecision]:
    """The pairs rejected in the agreement's mappings, newest first (the run page lists them: they are left out)."""
    return (
        MatchDecision.objects.filter(agreement=agreement, verdict=MatchDecision.Verdict.REJECTED)
        .select_related("account", "decided_by")
        .order_by("-decided_at", "-id")
    )
