"""Possible duplicates among our own accounts: groups of accounts the matching engine takes for one company, with
its evidence and how to merge them by hand (issue 11, deliverable 2). Nothing is merged automatically.

The engine compares the accounts with themselves (`match_records(ours, ours, mode="all", explain=True)`); pairs of
an account with itself are dropped, and the remaining pairs form groups (connected accounts are one company).
Computed on demand with a bound (`DUPLICATES_MAX_ACCOUNTS`, the most recently changed accounts first) and kept in
the cache until an account changes, so the page and the API stay quick (docs/adr/0306).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from handschlag.accounts.enums import AccountStatus
from handschlag.accounts.match_evidence import evidence_sentence, evidence_to_json
from handschlag.accounts.models import Account
from handschlag.matching import CompanyRecord

DUPLICATES_THRESHOLD = 0.75  # the same as the warning on the create page and in imports
DUPLICATES_MAX_ACCOUNTS = 20_000
MAX_GROUP_SIZE = 12  # a longer chain of links says more about one weak link than about one company
_STATUS_RANK: dict[str, int] = {
    AccountStatus.CUSTOMER.value: 0,
    AccountStatus.FORMER_CUSTOMER.value: 1,
    AccountStatus.PROSPECT.value: 2,
}
COPY_FIELDS = ("legal_form", "external_id", "domain", "street", "postal_code", "city", "country", "vat_id")


def max_accounts() -> int:
    return int(getattr(settings, "HANDSCHLAG_DUPLICATES_MAX_ACCOUNTS", DUPLICATES_MAX_ACCOUNTS))


@dataclass(frozen=True)
class DuplicateAccount:
    id: int
    name: str
    external_id: str
    city: str
    status: str
    owner_id: int | None
    contact_count: int
    order_count: int
    created_at: Any
    missing_in_kept: tuple[str, ...] = ()  # fields this account has and the kept one lacks (to copy over)


@dataclass(frozen=True)
class DuplicatePair:
    first_id: int
    second_id: int
    score: float
    evidence: list[dict[str, Any]]

    @property
    def evidence_text(self) -> str:
        return evidence_sentence(self.evidence)


@dataclass(frozen=True)
class DuplicateGroup:
    """Accounts the engine takes for one company: `keep` is the one to keep (the others merge into it)."""

    keep: DuplicateAccount
    others: list[DuplicateAccount]
    pairs: list[DuplicatePair]
    keep_reasons: list[str] = field(default_factory=list)

    @property
    def accounts(self) -> list[DuplicateAccount]:
        return [self.keep, *self.others]

    @property
    def account_ids(self) -> set[int]:
        return {account.id for account in self.accounts}


@dataclass(frozen=True)
class DuplicateReport:
    groups: list[DuplicateGroup]
    compared: int
    total: int

    @property
    def limited(self) -> bool:
        return self.compared < self.total


def _record(row: Mapping[str, Any]) -> CompanyRecord:
    return CompanyRecord(
        id=str(row["pk"]),
        name=f"{row['name']} {row['legal_form']}".strip(),
        domain=row["domain"],
        street=row["street"],
        postal_code=row["postal_code"],
        city=row["city"],
        country=row["country"],
        vat_id=row["vat_id"],
    )


def _groups_of(pairs: list[tuple[int, int]]) -> list[set[int]]:
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        root = node
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    for first, second in pairs:
        a, b = find(first), find(second)
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[int, set[int]] = {}
    for node in list(parent):
        members.setdefault(find(node), set()).add(node)
    return [group for group in members.values() if 1 < len(group) <= MAX_GROUP_SIZE]


def _keep_order(account: DuplicateAccount) -> tuple[Any, ...]:
    """The account to keep comes first: the closest relationship (customer, former customer, prospect), then the
    most history (contacts and orders), then a CRM id, then the oldest record."""
    return (
        _STATUS_RANK.get(account.status, 3),
        -(account.contact_count + account.order_count),
        account.external_id == "",
        account.created_at,
        account.id,
    )


def _compute() -> dict[str, Any]:
    from handschlag.matching import match_records

    accounts = Account.objects.filter(archived_at__isnull=True)
    total = accounts.count()
    rows = list(
        accounts.order_by("-updated_at", "-pk").values(
            "pk", "name", "legal_form", "domain", "street", "postal_code", "city", "country", "vat_id"
        )[: max_accounts()]
    )
    records = [_record(row) for row in rows if str(row["name"]).strip()]
    options: dict[str, Any] = {"threshold": DUPLICATES_THRESHOLD, "mode": "all", "explain": True}
    found = match_records(records, records, **options) if len(records) > 1 else []
    pairs: dict[tuple[int, int], dict[str, Any]] = {}
    for pair in found:
        first, second = int(pair.left_id), int(pair.right_id)
        if first == second:
            continue
        key = (min(first, second), max(first, second))
        if key not in pairs or pairs[key]["score"] < pair.score:
            pairs[key] = {"score": float(pair.score), "evidence": evidence_to_json(pair.evidence)}
    return {
        "total": total,
        "compared": len(rows),
        "pairs": [
            [first, second, value["score"], value["evidence"]] for (first, second), value in pairs.items()
        ],
    }


def _cache_key() -> str:
    state = Account.objects.aggregate(count=Count("pk"), changed=Max("updated_at"), last=Max("pk"))
    changed = state["changed"].isoformat() if state["changed"] else "-"
    return f"handschlag:account-duplicates:v1:{state['count']}:{state['last']}:{changed}:{max_accounts()}"


def possible_duplicates(*, owner_id: int | None = None) -> DuplicateReport:
    """The groups of possible duplicates among our active accounts, each with the account to keep first; with
    `owner_id` only the groups that hold one of his accounts (a seller works on his own). The caller checks
    who may see it (`access.may_see_duplicates`)."""
    key = _cache_key()
    computed = cache.get(key)
    if computed is None:
        computed = _compute()
        cache.set(key, computed, timeout=24 * 3600)
    raw_pairs = [(int(first), int(second)) for first, second, _score, _evidence in computed["pairs"]]
    groups = _groups_of(raw_pairs)
    ids = set().union(*groups) if groups else set()
    details: dict[int, dict[str, Any]] = {
        row["pk"]: dict(row)
        for row in Account.objects.filter(pk__in=ids)
        .annotate(contact_count=Count("contacts", distinct=True), order_count=Count("orders", distinct=True))
        .values(
            "pk",
            "name",
            "legal_form",
            "external_id",
            "domain",
            "street",
            "postal_code",
            "city",
            "country",
            "vat_id",
            "status",
            "owner_id",
            "created_at",
            "contact_count",
            "order_count",
        )
    }
    pair_details = {
        (int(first), int(second)): (float(score), evidence)
        for first, second, score, evidence in computed["pairs"]
    }
    result: list[DuplicateGroup] = []
    for group in groups:
        members = [details[pk] for pk in group if pk in details]
        if len(members) < 2:
            continue
        if owner_id is not None and not any(row["owner_id"] == owner_id for row in members):
            continue
        ordered = sorted((_account(row) for row in members), key=_keep_order)
        keep_row = details[ordered[0].id]
        others = [
            _account(
                details[account.id],
                missing_in_kept=tuple(
                    name for name in COPY_FIELDS if details[account.id][name] and not keep_row[name]
                ),
            )
            for account in ordered[1:]
        ]
        group_pairs = [
            DuplicatePair(first_id=first, second_id=second, score=round(score, 2), evidence=evidence)
            for (first, second), (score, evidence) in sorted(pair_details.items())
            if first in group and second in group
        ]
        result.append(
            DuplicateGroup(keep=ordered[0], others=others, pairs=group_pairs, keep_reasons=_reasons(ordered))
        )
    result.sort(key=lambda group: (group.keep.name.casefold(), group.keep.id))
    return DuplicateReport(groups=result, compared=computed["compared"], total=computed["total"])


def _account(row: Mapping[str, Any], *, missing_in_kept: tuple[str, ...] = ()) -> DuplicateAccount:
    return DuplicateAccount(
        id=row["pk"],
        name=f"{row['name']} {row['legal_form']}".strip(),
        external_id=row["external_id"],
        city=row["city"],
        status=row["status"],
        owner_id=row["owner_id"],
        contact_count=row["contact_count"],
        order_count=row["order_count"],
        created_at=row["created_at"],
        missing_in_kept=missing_in_kept,
    )


def _reasons(ordered: list[DuplicateAccount]) -> list[str]:
    """Why the first account is the one to keep, as keys the page words ("status", "history", "crm_id",
    "oldest"): only the criteria that set it apart from the second."""
    keep, runner_up = ordered[0], ordered[1]
    if _STATUS_RANK.get(keep.status, 3) < _STATUS_RANK.get(runner_up.status, 3):
        return ["status"]
    if keep.contact_count + keep.order_count > runner_up.contact_count + runner_up.order_count:
        return ["history"]
    if keep.external_id and not runner_up.external_id:
        return ["crm_id"]
    return ["oldest"]


def _quoted(account: DuplicateAccount) -> str:
    return _("“%(name)s” (#%(id)s)") % {"name": account.name, "id": account.id}


def guidance_steps(group: DuplicateGroup) -> list[str]:
    """How to merge a group by hand, step by step, in the reader's language (the page and the API say the same)."""
    keep = group.keep
    reason = group.keep_reasons[0] if group.keep_reasons else "oldest"
    why = {
        "status": _(
            "its relationship with us is the closest (customer before former customer before prospect)"
        ),
        "history": _("it has the most contacts and orders"),
        "crm_id": _("it has a CRM id"),
        "oldest": _("it is the oldest record"),
    }[reason]
    steps = [_("Keep %(account)s: %(why)s.") % {"account": _quoted(keep), "why": why}]
    labels = {name: str(getattr(Account._meta.get_field(name), "verbose_name", name)) for name in COPY_FIELDS}
    for other in group.others:
        if other.contact_count or other.order_count:
            steps.append(
                _("Move the contacts (%(contacts)d) and orders (%(orders)d) of %(other)s to %(keep)s.")
                % {
                    "contacts": other.contact_count,
                    "orders": other.order_count,
                    "other": _quoted(other),
                    "keep": _quoted(keep),
                }
            )
        if other.missing_in_kept:
            steps.append(
                _("Copy what only %(other)s has to %(keep)s: %(fields)s.")
                % {
                    "other": _quoted(other),
                    "keep": _quoted(keep),
                    "fields": ", ".join(labels[name] for name in other.missing_in_kept),
                }
            )
        steps.append(_("Then archive %(other)s.") % {"other": _quoted(other)})
    return steps
