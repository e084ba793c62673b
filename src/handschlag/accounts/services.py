"""Writes of accounts: the account itself, its contacts, orders and goals/risks/constraints.

Imports of account files are in `accounts.import_services`.

Every interface (pages, API, command, worker) calls these functions, so the rules below hold everywhere.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from handschlag.accounts import importing
from handschlag.accounts.enums import AccountStatus, InsightKind, OrderStatus
from handschlag.accounts.models import Account, Contact, CustomerInsight, Order
from handschlag.core.enums import Role
from handschlag.core.errors import InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability
from handschlag.core.services import model_update

ACCOUNT_FIELDS = [*importing.ACCOUNT_IMPORT_FIELDS, "success_plan"]
CONTACT_FIELDS = ["first_name", "last_name", "position", "email", "phone"]
ORDER_FIELDS = ["number", "value", "due_date", "status", "product"]
INSIGHT_FIELDS = ["kind", "text", "review_date"]


# --- accounts ------------------------------------------------------------------------------------------------


def _clean_account_values(*, actor: User, data: dict[str, Any], account: Account | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = {key: value for key, value in data.items() if key in ACCOUNT_FIELDS}
    for key in ("name", "legal_form", "external_id", "street", "city", "industry", "success_plan"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if "name" in values and not values["name"]:
        errors["name"] = [_("The company name is required.")]
    if "domain" in values:
        try:
            values["domain"] = importing.normalise_domain(values["domain"] or "")
        except ValueError:
            errors["domain"] = [_("Not a web address or domain.")]
    if "country" in values:
        try:
            values["country"] = importing.normalise_country(values["country"] or "") or "DE"
        except ValueError:
            errors["country"] = [_("Unknown country. Use the ISO code, e.g. DE, AT or CH.")]
    if values.get("postal_code"):
        country = values.get("country") or (account.country if account else "DE")
        try:
            values["postal_code"] = importing.normalise_postal_code(values["postal_code"], country)
        except ValueError:
            errors["postal_code"] = [_("Not a postal code of %(country)s.") % {"country": country}]
    if "vat_id" in values:
        try:
            values["vat_id"] = importing.normalise_vat_id(values["vat_id"] or "")
        except ValueError:
            errors["vat_id"] = [_("Not a valid VAT id (check the country prefix and the digits).")]
    if "status" in values and values["status"] not in AccountStatus.values:
        errors["status"] = [_("Unknown status.")]
    if values.get("employees") is not None and values["employees"] < 0:
        errors["employees"] = [_("Must not be negative.")]
    if values.get("annual_revenue") is not None and values["annual_revenue"] < 0:
        errors["annual_revenue"] = [_("Must not be negative.")]
    if "tags" in values:
        values["tags"] = ",".join(
            tag.strip() for tag in (values["tags"] or "").replace(";", ",").split(",") if tag.strip()
        )
    if "owner" in values:
        owner = values["owner"]
        if owner is not None and (owner.role == Role.PARTNER_USER or not owner.is_active):
            errors["owner"] = [_("The owner must be an active user of our company.")]
        elif not has_capability(actor, Capability.ACCOUNTS_EDIT_ALL):
            current = account.owner if account else None
            if owner != current and owner != actor:
                errors["owner"] = [_("You can only make yourself the owner.")]
    if values.get("external_id"):
        clash = Account.objects.filter(external_id=values["external_id"])
        if account is not None:
            clash = clash.exclude(pk=account.pk)
        if clash.exists():
            errors["external_id"] = [_("Another account has this CRM id.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return values


@transaction.atomic
def account_create(*, actor: User, data: dict[str, Any]) -> Account:
    """Create an account. A seller who may not assign owners becomes the owner himself."""
    if data.get("owner") is None and not has_capability(actor, Capability.ACCOUNTS_EDIT_ALL):
        data = {**data, "owner": actor}
    values = _clean_account_values(actor=actor, data=data, account=None)
    account = Account(**values)
    account.full_clean()
    account.save()
    audit_record(
        actor=actor,
        action="account.create",
        target=account,
        summary=f"account {account} created",
        changes={key: values[key] for key in values},
    )
    return account


@transaction.atomic
def account_update(*, actor: User, account: Account, data: dict[str, Any]) -> Account:
    values = _clean_account_values(actor=actor, data=data, account=account)
    changes = model_update(instance=account, fields=ACCOUNT_FIELDS, data=values)
    if changes:
        audit_record(
            actor=actor,
            action="account.update",
            target=account,
            summary=f"account {account} changed",
            changes=changes,
        )
    return account


@transaction.atomic
def account_delete(*, actor: User, account: Account) -> None:
    audit_record(
        actor=actor,
        action="account.delete",
        target=account,
        summary=f"account {account} deleted",
        changes={"name": account.name, "external_id": account.external_id},
    )
    account.delete()


# --- what hangs on an account ----------------------------------------------------------------------------------


def _strip_texts(values: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {
        key: (value.strip() if isinstance(value, str) else value)
        for key, value in values.items()
        if key in fields
    }


@transaction.atomic
def contact_create(*, actor: User, account: Account, data: dict[str, Any]) -> Contact:
    values = _strip_texts(data, CONTACT_FIELDS)
    if not values.get("last_name"):
        raise InvalidInput.for_field("last_name", _("The last name is required."))
    contact = Contact(account=account, **values)
    contact.full_clean()
    contact.save()
    audit_record(
        actor=actor, action="contact.create", target=contact, summary=f"contact {contact} on {account}"
    )
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, data: dict[str, Any]) -> Contact:
    values = _strip_texts(data, CONTACT_FIELDS)
    if "last_name" in values and not values["last_name"]:
        raise InvalidInput.for_field("last_name", _("The last name is required."))
    changes = model_update(instance=contact, fields=CONTACT_FIELDS, data=values)
    if changes:
        audit_record(
            actor=actor,
            action="contact.update",
            target=contact,
            summary=f"contact {contact} changed",
            changes=changes,
        )
    return contact


@transaction.atomic
def contact_delete(*, actor: User, contact: Contact) -> None:
    audit_record(actor=actor, action="contact.delete", target=contact, summary=f"contact {contact} deleted")
    contact.delete()


def _check_order(values: dict[str, Any], *, account: Account, order: Order | None) -> None:
    errors: dict[str, list[str]] = {}
    if "number" in values and not values["number"]:
        errors["number"] = [_("The order number is required.")]
    if "value" in values and (values["value"] is None or values["value"] < 0):
        errors["value"] = [_("The value must be zero or more.")]
    if "status" in values and values["status"] not in OrderStatus.values:
        errors["status"] = [_("Unknown status.")]
    if values.get("number"):
        clash = Order.objects.filter(account=account, number=values["number"])
        if order is not None:
            clash = clash.exclude(pk=order.pk)
        if clash.exists():
            errors["number"] = [_("This account has an order with this number already.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)


@transaction.atomic
def order_create(*, actor: User, account: Account, data: dict[str, Any]) -> Order:
    values = _strip_texts(data, ORDER_FIELDS)
    values.setdefault("number", "")
    values.setdefault("value", None)
    _check_order(values, account=account, order=None)
    order = Order(account=account, **values)
    order.full_clean()
    order.save()
    audit_record(
        actor=actor,
        action="order.create",
        target=order,
        summary=f"order {order} on {account}",
        changes=values,
    )
    return order


@transaction.atomic
def order_update(*, actor: User, order: Order, data: dict[str, Any]) -> Order:
    values = _strip_texts(data, ORDER_FIELDS)
    _check_order(values, account=order.account, order=order)
    changes = model_update(instance=order, fields=ORDER_FIELDS, data=values)
    if changes:
        audit_record(
            actor=actor,
            action="order.update",
            target=order,
            summary=f"order {order} changed",
            changes=changes,
        )
    return order


@transaction.atomic
def order_delete(*, actor: User, order: Order) -> None:
    audit_record(actor=actor, action="order.delete", target=order, summary=f"order {order} deleted")
    order.delete()


def _check_insight(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "kind" in values and values["kind"] not in InsightKind.values:
        errors["kind"] = [_("Choose goal, risk or constraint.")]
    if "text" in values and not values["text"]:
        errors["text"] = [_("Describe it in a sentence.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)


@transaction.atomic
def insight_create(*, actor: User, account: Account, data: dict[str, Any]) -> CustomerInsight:
    values = _strip_texts(data, INSIGHT_FIELDS)
    values.setdefault("kind", "")
    values.setdefault("text", "")
    _check_insight(values)
    insight = CustomerInsight.objects.create(account=account, **values)
    audit_record(actor=actor, action="insight.create", target=insight, summary=f"{insight.kind} on {account}")
    return insight


@transaction.atomic
def insight_update(*, actor: User, insight: CustomerInsight, data: dict[str, Any]) -> CustomerInsight:
    values = _strip_texts(data, INSIGHT_FIELDS)
    _check_insight(values)
    changes = model_update(instance=insight, fields=INSIGHT_FIELDS, data=values)
    if changes:
        audit_record(
            actor=actor,
            action="insight.update",
            target=insight,
            summary=f"{insight.kind} changed",
            changes=changes,
        )
    return insight


@transaction.atomic
def insight_delete(*, actor: User, insight: CustomerInsight) -> None:
    audit_record(actor=actor, action="insight.delete", target=insight, summary=f"{insight.kind} deleted")
    insight.delete()
