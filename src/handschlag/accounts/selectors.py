"""Reads of accounts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from handschlag.accounts.enums import OPEN_ORDER_STATUSES, AccountStatus
from handschlag.accounts.models import (
    Account,
    ImportRowError,
    ImportRun,
    Order,
    SavedColumnMapping,
    search_words,
)
from handschlag.core.cache_versions import write_version, write_version_bump
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability
from handschlag.matching import CompanyRecord

ACCOUNT_ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "city": ("city", "name", "id"),
    "-city": ("-city", "-name", "-id"),
    "status": ("status", "name", "id"),
    "-status": ("-status", "-name", "-id"),
    "revenue": ("annual_revenue", "id"),
    "-revenue": ("-annual_revenue", "-id"),
    "owner": ("owner__last_name", "owner__first_name", "name", "id"),
    "-owner": ("-owner__last_name", "-owner__first_name", "-name", "-id"),
    "domain": ("domain", "name", "id"),
    "-domain": ("-domain", "-name", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}
ACCOUNT_SORT_KEYS = tuple(key for key in ACCOUNT_ORDERINGS if not key.startswith("-"))


@dataclass(frozen=True)
class AccountFilters:
    """What a list of accounts is narrowed to. Archived accounts are left out unless `archived` asks for them."""

    search: str = ""
    status: str = ""
    owner_id: int | None = None
    country: str = ""
    tag: str = ""
    ordering: str = "name"
    archived: bool = False


def account_list(*, user: User, filters: AccountFilters) -> QuerySet[Account]:
    """Accounts the user may see, filtered and sorted. Query count does not depend on the number of rows."""
    if not has_capability(user, Capability.ACCOUNTS_VIEW):
        return Account.objects.none()
    accounts = Account.objects.select_related("owner").filter(archived_at__isnull=not filters.archived)
    search = filters.search.strip()
    if search:
        every_word = Q()
        for word in search_words(search):
            every_word &= Q(search_text__contains=word)
        accounts = accounts.filter(
            every_word
            | Q(external_id__iexact=search)
            | Q(postal_code__startswith=search)
            | Q(vat_id__iexact=search.replace(" ", ""))
        )
    if filters.status:
        accounts = accounts.filter(status=filters.status)
    if filters.owner_id is not None:
        accounts = accounts.filter(owner_id=filters.owner_id)
    if filters.country:
        accounts = accounts.filter(country=filters.country.upper())
    if filters.tag:
        tag = filters.tag.strip()
        accounts = accounts.filter(
            Q(tags__iexact=tag)
            | Q(tags__istartswith=f"{tag},")
            | Q(tags__iendswith=f",{tag}")
            | Q(tags__icontains=f",{tag},")
        )
    return accounts.order_by(*ACCOUNT_ORDERINGS.get(filters.ordering, ACCOUNT_ORDERINGS["name"]))


def open_orders_of(account: Account) -> QuerySet[Order]:
    return account.orders.filter(status__in=OPEN_ORDER_STATUSES)


def account_open_order_value(account: Account) -> Decimal:
    total = open_orders_of(account).aggregate(total=Sum("value"))["total"]
    return total or Decimal("0.00")


def account_detail(*, account: Account) -> dict[str, Any]:
    return {
        "account": account,
        "contacts": list(account.contacts.all()),
        "orders": list(account.orders.all()),
        "open_order_value": account_open_order_value(account),
        "insights": list(account.insights.all()),
    }


SUMMARY_CACHE_SECONDS = 60
SUMMARY_VERSION_KEY = "accounts:summary:version"


def account_summary_invalidate() -> None:
    """After a write to accounts or orders: the next home page counts again (this process at once, other web
    processes within SUMMARY_CACHE_SECONDS)."""
    write_version_bump(SUMMARY_VERSION_KEY)


def account_write_version() -> int:
    """A number that every write to an account or order raises (signals.py): part of the keys of what is cached
    about accounts, so that a write makes them stale at once (in every process with a shared cache)."""
    return write_version(SUMMARY_VERSION_KEY)


def _organisation_summary() -> dict[str, Any]:
    counts = Account.objects.filter(archived_at__isnull=True).aggregate(
        total=Count("id"), customers=Count("id", filter=Q(status=AccountStatus.CUSTOMER))
    )
    open_value = Order.objects.filter(status__in=OPEN_ORDER_STATUSES).aggregate(total=Sum("value"))["total"]
    return {
        "total": counts["total"],
        "customers": counts["customers"],
        "open_order_value": open_value or Decimal("0"),
    }


def account_summary_for_user(*, user: User) -> dict[str, Any]:
    """The home page's tiles. The organisation's totals (a count over every account) and the user's own count (a
    third of them for a seller in the large demo) are cached for a minute and dropped on every write."""
    version = account_write_version()
    cached: dict[str, Any] | None = cache.get_or_set(
        f"accounts:summary:{version}", _organisation_summary, SUMMARY_CACHE_SECONDS
    )
    summary = dict(cached or _organisation_summary())
    summary["own"] = (
        cache.get_or_set(
            f"accounts:summary:{version}:own:{user.pk}",
            lambda: Account.objects.filter(archived_at__isnull=True, owner=user).count(),
            SUMMARY_CACHE_SECONDS,
        )
        if has_capability(user, Capability.ACCOUNTS_EDIT_OWN)
        else None
    )
    return summary


IMPORT_RUN_ORDERINGS = {
    "file": ("original_name", "id"),
    "-file": ("-original_name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "by": ("created_by__last_name", "created_by__first_name", "-created_at", "-id"),
    "-by": ("-created_by__last_name", "-created_by__first_name", "-created_at", "-id"),
    "status": ("status", "-created_at", "-id"),
    "-status": ("-status", "-created_at", "-id"),
    "rows": ("total_rows", "id"),
    "-rows": ("-total_rows", "-id"),
    "errors": ("error_count", "id"),
    "-errors": ("-error_count", "-id"),
}


def import_run_list(*, ordering: str = "-created") -> QuerySet[ImportRun]:
    """Earlier imports, newest first unless another whitelisted ordering is asked for (unknown ones: newest first)."""
    order = IMPORT_RUN_ORDERINGS.get(ordering, IMPORT_RUN_ORDERINGS["-created"])
    return ImportRun.objects.select_related("created_by").order_by(*order)


def import_row_errors(*, run: ImportRun) -> QuerySet[ImportRowError]:
    return run.row_errors.filter(warning=False).order_by("line", "id")


def import_row_warnings(*, run: ImportRun) -> QuerySet[ImportRowError]:
    """Rows imported all the same, with a warning: a field left out or kept as it is, a likely duplicate of an
    existing account."""
    return run.row_errors.filter(warning=True).order_by("line", "id")


def saved_column_mapping_list() -> QuerySet[SavedColumnMapping]:
    """Column mappings saved per source, by name (the caller checks the import capability)."""
    return SavedColumnMapping.objects.order_by("name", "id")


# --- open orders for other modules (complaints: revenue at risk) ------------------------------------------------


def open_order_value_total(*, account_ids: QuerySet[Any] | Iterable[int]) -> Decimal:
    """The value of all open orders of the given accounts, in one query (a queryset of ids stays a subquery)."""
    ids = account_ids if isinstance(account_ids, QuerySet) else list(account_ids)
    total = Order.objects.filter(account_id__in=ids, status__in=OPEN_ORDER_STATUSES).aggregate(
        total=Sum("value")
    )
    return total["total"] or Decimal("0.00")


def open_order_value_of_orders(order_ids: Iterable[int]) -> Decimal:
    """The value of those of the given orders that are still open."""
    total = Order.objects.filter(pk__in=list(order_ids), status__in=OPEN_ORDER_STATUSES).aggregate(
        total=Sum("value")
    )["total"]
    return total or Decimal("0.00")


def account_orders_by_ids(*, account: Account, order_ids: Iterable[int]) -> list[Order]:
    """The account's orders among the ids; ids of other accounts' orders are left out."""
    return list(Order.objects.filter(account=account, pk__in=list(order_ids)).order_by("pk"))


def account_order_ids_by_number(*, account: Account, numbers: Iterable[str]) -> dict[str, int]:
    """Order number → id for the account's orders among the numbers."""
    rows = Order.objects.filter(account=account, number__in=list(numbers)).values_list("number", "pk")
    return dict(rows)


# --- accounts for other modules (mapping: our records for a mapping run) -----------------------------------------


def has_open_orders(*, account_field: str = "pk") -> Exists:
    """For another module's annotation: whether the account the outer query names in `account_field` (e.g.
    "account_id" of a row pointing at an account) has open orders."""
    return Exists(Order.objects.filter(account=OuterRef(account_field), status__in=OPEN_ORDER_STATUSES))


def accounts_with_open_orders() -> QuerySet[Account]:
    """Every account, archived ones included, each annotated `has_open_orders` (one query, an EXISTS)."""
    return Account.objects.annotate(has_open_orders=has_open_orders())


def account_list_by_ids(*, account_ids: Iterable[int]) -> QuerySet[Account]:
    """The accounts among the ids (archived included); ids of accounts that are gone are left out."""
    return Account.objects.filter(pk__in=list(account_ids))


def account_id_by_reference(*, reference: str) -> int | None:
    """The account a person names by its CRM id or by its number (the id in its address); None if none. A CRM id
    wins over a number that happens to be the same digits."""
    reference = reference.strip()
    if not reference:
        return None
    by_crm_id = Account.objects.filter(external_id__iexact=reference).values_list("pk", flat=True).first()
    if by_crm_id is not None:
        return by_crm_id
    number = reference.lstrip("#")
    return int(number) if number.isascii() and number.isdigit() and 0 < int(number) < 2**63 else None


def no_accounts() -> QuerySet[Account]:
    """An empty queryset of accounts: a form's choices until the view narrows them to what the user may pick."""
    return Account.objects.none()


# --- likely duplicates (the matching engine) ---------------------------------------------------------------------

DUPLICATE_WARNING_THRESHOLD = 0.75
DUPLICATE_CANDIDATE_LIMIT = 500


@dataclass(frozen=True)
class DuplicateCandidate:
    """An existing account the matching engine takes for the same company; `score` in [0, 1]."""

    account_id: int
    name: str
    external_id: str
    city: str
    score: float


@dataclass(frozen=True)
class CompanyFields:
    """The fields of a company the engine compares (a new account, a row of an import)."""

    name: str
    legal_form: str = ""
    domain: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    vat_id: str = ""


def _record(record_id: str, company: CompanyFields) -> CompanyRecord:
    return CompanyRecord(
        id=record_id,
        name=f"{company.name} {company.legal_form}".strip(),
        domain=company.domain,
        street=company.street,
        postal_code=company.postal_code,
        city=company.city,
        country=company.country,
        vat_id=company.vat_id,
    )


def _fields_of(account: Account) -> CompanyFields:
    return CompanyFields(
        name=account.name,
        legal_form=account.legal_form,
        domain=account.domain,
        street=account.street,
        postal_code=account.postal_code,
        city=account.city,
        country=account.country,
        vat_id=account.vat_id,
    )


def _candidate_accounts(company: CompanyFields, exclude_id: int | None) -> list[Account]:
    """Accounts worth asking the engine about: the same domain or VAT id, or a name sharing its longest word."""
    words = [word for word in search_words(company.name) if len(word) >= 3]
    near = Q(pk__in=[])
    if words:
        near |= Q(search_text__contains=max(words, key=len))
    # domains are stored lower case and VAT ids upper case (inputs.py, the import): equality on the indexed column,
    # not UPPER() of every row
    if company.domain:
        near |= Q(domain__in=sorted({company.domain, company.domain.lower()}))
    if company.vat_id:
        near |= Q(vat_id__in=sorted({company.vat_id, company.vat_id.upper()}))
    accounts = Account.objects.filter(near).only(*_COMPANY_COLUMNS)
    if exclude_id is not None:
        accounts = accounts.exclude(pk=exclude_id)
    return list(accounts.order_by("pk")[:DUPLICATE_CANDIDATE_LIMIT])


# what the engine compares and a candidate shows (`_fields_of`, DuplicateCandidate)
_COMPANY_COLUMNS = (
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
)


def account_duplicate_candidates(
    *, company: CompanyFields, exclude_id: int | None = None, limit: int = 3
) -> list[DuplicateCandidate]:
    """Existing accounts (archived ones included) the matching engine takes for the same company, best first."""
    from handschlag.matching import match_records

    existing = _candidate_accounts(company, exclude_id)
    if not existing or not company.name.strip():
        return []
    by_id = {str(account.pk): account for account in existing}
    pairs = match_records(
        [_record(key, _fields_of(account)) for key, account in by_id.items()],
        [_record("new", company)],
        threshold=DUPLICATE_WARNING_THRESHOLD,
        mode="all",
    )
    scored = sorted(
        ((pair.score, by_id[pair.left_id]) for pair in pairs), key=lambda item: (-item[0], item[1].pk)
    )
    return [
        DuplicateCandidate(
            account_id=account.pk,
            name=account.display_name,
            external_id=account.external_id,
            city=account.city,
            score=round(score, 2),
        )
        for score, account in scored[:limit]
    ]


def duplicate_candidates_of_rows(*, companies: list[CompanyFields]) -> dict[int, DuplicateCandidate]:
    """For each company of a list (an import's new rows), by position: the existing account the engine takes for
    the same company, if any. Compares with every account in one engine run."""
    from handschlag.matching import match_records

    if not companies:
        return {}
    existing = {
        str(account.pk): account
        for account in Account.objects.only(*_COMPANY_COLUMNS).iterator(chunk_size=10_000)
    }
    if not existing:
        return {}
    pairs = match_records(
        [_record(key, _fields_of(account)) for key, account in existing.items()],
        [_record(str(index), company) for index, company in enumerate(companies)],
        threshold=DUPLICATE_WARNING_THRESHOLD,
        mode="all",
    )
    found: dict[int, DuplicateCandidate] = {}
    for pair in pairs:
        account = existing[pair.left_id]
        found.setdefault(
            int(pair.right_id),
            DuplicateCandidate(
                account_id=account.pk,
                name=account.display_name,
                external_id=account.external_id,
                city=account.city,
                score=round(pair.score, 2),
            ),
        )
    return found
