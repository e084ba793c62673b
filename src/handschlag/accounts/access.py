"""The only way pages and API endpoints get accounts and what hangs on them."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from handschlag.accounts.models import Account, Contact, CustomerInsight, ImportRun, Order, SavedColumnMapping
from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability


def can_edit_account(user: User | AnonymousUser, account: Account) -> bool:
    if has_capability(user, Capability.ACCOUNTS_EDIT_ALL):
        return True
    return has_capability(user, Capability.ACCOUNTS_EDIT_OWN) and account.owner_id == user.pk


def require_account_editable(user: User | AnonymousUser, account: Account) -> None:
    """The check every write on an account (or what hangs on it) makes first: 404 for those who may not see
    accounts at all (partner users), 403 for those who may see but not change this one."""
    if not has_capability(user, Capability.ACCOUNTS_VIEW):
        raise NotFound
    if not can_edit_account(user, account):
        raise Forbidden


def access_account_by_id(user: User | AnonymousUser, account_id: int, *, for_write: bool = False) -> Account:
    """An account the user may see (and, with for_write, change). Partner users never see our accounts."""
    if not has_capability(user, Capability.ACCOUNTS_VIEW):
        raise NotFound
    account = Account.objects.select_related("owner").filter(pk=account_id).first()
    if account is None:
        raise NotFound
    if for_write and not can_edit_account(user, account):
        raise Forbidden
    return account


def access_contact_by_id(user: User, account: Account, contact_id: int) -> Contact:
    contact = Contact.objects.filter(pk=contact_id, account=account).first()
    if contact is None:
        raise NotFound
    return contact


def access_order_by_id(user: User, account: Account, order_id: int) -> Order:
    order = Order.objects.filter(pk=order_id, account=account).first()
    if order is None:
        raise NotFound
    return order


def access_insight_by_id(user: User, account: Account, insight_id: int) -> CustomerInsight:
    insight = CustomerInsight.objects.filter(pk=insight_id, account=account).first()
    if insight is None:
        raise NotFound
    return insight


def access_import_run_by_id(user: User | AnonymousUser, run_id: int) -> ImportRun:
    if not has_capability(user, Capability.ACCOUNTS_IMPORT):
        raise NotFound
    run = ImportRun.objects.select_related("created_by").filter(pk=run_id).first()
    if run is None:
        raise NotFound
    return run


def access_saved_column_mapping_by_id(user: User | AnonymousUser, mapping_id: int) -> SavedColumnMapping:
    if not has_capability(user, Capability.ACCOUNTS_IMPORT):
        raise NotFound
    mapping = SavedColumnMapping.objects.filter(pk=mapping_id).first()
    if mapping is None:
        raise NotFound
    return mapping
