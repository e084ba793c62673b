"""Reads of accounts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from handschlag.accounts.enums import OPEN_ORDER_STATUSES, AccountStatus
from handschlag.accounts.models import Account, ImportRowError, ImportRun, Order, fold_for_search
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability

ACCOUNT_ORDERINGS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "city": ("city", "name", "id"),
    "-city": ("-city", "-name", "-id"),
    "status": ("status", "name", "id"),
    "-status": ("-status", "-name", "-id"),
    "revenue": ("annual_revenue", "id"),
    "-revenue": ("-annual_revenue", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


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
        accounts = accounts.filter(
            Q(search_text__contains=fold_for_search(search))
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


def account_summary_for_user(*, user: User) -> dict[str, Any]:
    counts = Account.objects.filter(archived_at__isnull=True).aggregate(
        total=Count("id"),
        customers=Count("id", filter=Q(status=AccountStatus.CUSTOMER)),
        own=Count("id", filter=Q(owner=user)),
    )
    open_value = Order.objects.filter(status__in=OPEN_ORDER_STATUSES).aggregate(total=Sum("value"))["total"]
    return {
        "total": counts["total"],
        "customers": counts["customers"],
        "own": counts["own"] if has_capability(user, Capability.ACCOUNTS_EDIT_OWN) else None,
        "open_order_value": open_value or Decimal("0"),
    }


def import_run_list() -> QuerySet[ImportRun]:
    return ImportRun.objects.select_related("created_by").order_by("-created_at", "-id")


def import_row_errors(*, run: ImportRun) -> QuerySet[ImportRowError]:
    return run.row_errors.order_by("line", "id")


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


def no_accounts() -> QuerySet[Account]:
    """An empty queryset of accounts: a form's choices until the view narrows them to what the user may pick."""
    return Account.objects.none()
