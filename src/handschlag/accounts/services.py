"""Writes of accounts: the account itself, its contacts, orders and goals/risks/constraints.

Every interface (pages, API, command, worker) calls these functions, so the rules below hold everywhere. Each
service checks its actor first (`require_capability`, `require_account_editable`), so no caller can forget it.
Accounts are archived rather than deleted once anything points at them (docs/adr/0004). Imports of account files
are in `accounts.import_services`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handschlag.accounts import importing
from handschlag.accounts.access import require_account_editable
from handschlag.accounts.inputs import AccountInput, AccountPatch, ContactInput, InsightInput, OrderInput
from handschlag.accounts.models import Account, Contact, CustomerInsight, Order
from handschlag.accounts.selectors import CompanyFields, DuplicateCandidate, account_duplicate_candidates
from handschlag.core.access import require_capability
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability
from handschlag.core.services import model_update

ACCOUNT_FIELDS = ["owner" if name == "owner_id" else name for name in AccountPatch.model_fields]
CONTACT_FIELDS = list(ContactInput.model_fields)
ORDER_FIELDS = list(OrderInput.model_fields)
INSIGHT_FIELDS = list(InsightInput.model_fields)


@contextmanager
def _model_errors_as_invalid_input() -> Iterator[None]:
    """Django's model validation (`full_clean`) as the services' `InvalidInput`, so no interface answers 500."""
    try:
        yield
    except DjangoValidationError as error:
        messages = getattr(error, "message_dict", {NON_FIELD_ERRORS: list(error.messages)})
        fields = {("" if name == NON_FIELD_ERRORS else name): list(texts) for name, texts in messages.items()}
        raise InvalidInput(_("Please correct the marked fields."), fields=fields) from None


@contextmanager
def _conflict_when_another_wrote_first(message: str) -> Iterator[None]:
    """A savepoint around an insert or update a unique constraint guards: the loser of a race gets `Conflict`."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise Conflict(message, code="conflict") from None


def _require_not_archived(account: Account) -> None:
    if account.archived_at is not None:
        raise Conflict(_("This account is archived. Restore it before changing it."), code="archived")


# --- accounts ------------------------------------------------------------------------------------------------


def _crm_id_taken(external_id: str, account: Account | None) -> bool:
    """The friendly check; the unique constraint decides when two requests write the same id at once."""
    clash = Account.objects.filter(external_id=external_id)
    if account is not None:
        clash = clash.exclude(pk=account.pk)
    return clash.exists()


def _account_values(*, actor: User, given: dict[str, Any], account: Account | None) -> dict[str, Any]:
    """The input's values as model fields, after the rules that need the database or the actor."""
    errors: dict[str, list[str]] = {}
    values = dict(given)
    if "tags" in values:
        values["tags"] = ",".join(values["tags"])
    if "owner_id" in values:
        owner_id = values.pop("owner_id")
        owner = User.objects.filter(pk=owner_id).first() if owner_id is not None else None
        if owner_id is not None and owner is None:
            errors["owner_id"] = [_("No such user.")]
        elif owner is not None and (owner.role == Role.PARTNER_USER or not owner.is_active):
            errors["owner_id"] = [_("The owner must be an active user of our company.")]
        elif not has_capability(actor, Capability.ACCOUNTS_EDIT_ALL) and owner not in (
            actor,
            account.owner if account else None,
        ):
            errors["owner_id"] = [_("You can only make yourself the owner.")]
        values["owner"] = owner
    if values.get("postal_code"):
        country = values.get("country") or (account.country if account else "DE")
        try:
            values["postal_code"] = importing.normalise_postal_code(values["postal_code"], country)
        except ValueError:
            errors["postal_code"] = [_("Not a postal code of %(country)s.") % {"country": country}]
    if values.get("external_id") and _crm_id_taken(values["external_id"], account):
        errors["external_id"] = [_("Another account has this CRM id.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return values


CRM_ID_RACE = gettext_noop(
    "Another account with this CRM id was saved at the same moment. Reload and try again."
)


class PossibleDuplicate(Conflict):
    """The new account looks like one we have (the matching engine): 409 `possible_duplicate` with the candidates,
    unless the caller confirms (`confirm_duplicate`)."""

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        first = candidates[0]
        super().__init__(
            _("This looks like the existing account %(name)s. Save anyway if it is another company.")
            % {"name": first.name},
            code="possible_duplicate",
        )
        self.candidates = candidates


@transaction.atomic
def account_create(*, actor: User, data: AccountInput) -> Account:
    """Create an account. A seller who may not assign owners becomes the owner himself. An account the matching
    engine takes for an existing one is refused with `PossibleDuplicate` unless `data.confirm_duplicate`."""
    require_capability(actor, Capability.ACCOUNTS_CREATE)
    given = data.model_dump(exclude={"confirm_duplicate"})
    recorded = {"owner" if name == "owner_id" else name for name in data.model_fields_set} - {
        "confirm_duplicate"
    }
    if data.owner_id is None and not has_capability(actor, Capability.ACCOUNTS_EDIT_ALL):
        given["owner_id"] = actor.pk
        recorded.add("owner")
    values = _account_values(actor=actor, given=given, account=None)
    account = Account(**values)
    with _model_errors_as_invalid_input():
        account.full_clean(validate_constraints=False)
    if not data.confirm_duplicate and (
        candidates := account_duplicate_candidates(
            company=CompanyFields(
                name=account.name,
                legal_form=account.legal_form,
                domain=account.domain,
                street=account.street,
                postal_code=account.postal_code,
                city=account.city,
                country=account.country,
                vat_id=account.vat_id,
            )
        )
    ):
        raise PossibleDuplicate(candidates)
    with _conflict_when_another_wrote_first(_(CRM_ID_RACE)):
        account.save()
    audit_record(
        actor=actor,
        action="account.create",
        target=account,
        summary=f"account {account} created",
        changes={key: value for key, value in values.items() if key in recorded},
    )
    return account


@transaction.atomic
def account_update(*, actor: User, account: Account, patch: AccountPatch) -> Account:
    """Change the fields the patch carries; an archived account must be restored first."""
    require_account_editable(actor, account)
    _require_not_archived(account)
    values = _account_values(actor=actor, given=patch.given(), account=account)
    with _model_errors_as_invalid_input(), _conflict_when_another_wrote_first(_(CRM_ID_RACE)):
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
    """Delete an account with its contacts, orders and goals, unless something else points at it.

    Records of other modules (complaints today; opportunities, concessions, leads tomorrow) protect the account:
    the answer is then `Conflict` with the advice to archive it (docs/adr/0004), and nothing is changed.
    """
    require_capability(actor, Capability.ACCOUNTS_DELETE)
    try:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="account.delete",
                target=account,
                summary=f"account {account} deleted",
                changes={"name": account.name, "external_id": account.external_id},
            )
            account.delete()
    except (ProtectedError, RestrictedError) as error:
        referring = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
        kinds = sorted({str(item._meta.verbose_name_plural) for item in referring})
        raise Conflict(
            _(
                "%(account)s cannot be deleted because other records refer to it (%(kinds)s). Archive it "
                "instead: it then disappears from lists and choices and keeps its history."
            )
            % {"account": account, "kinds": ", ".join(kinds)},
            code="account_referenced",
        ) from None


@transaction.atomic
def account_archive(*, actor: User, account: Account) -> Account:
    """Leave the account out of lists and choices, keeping it and everything that points at it."""
    require_capability(actor, Capability.ACCOUNTS_DELETE)
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if locked.archived_at is None:
        locked.archived_at = timezone.now()
        locked.save(update_fields=["archived_at", "updated_at"])
        audit_record(
            actor=actor, action="account.archive", target=locked, summary=f"account {locked} archived"
        )
    account.archived_at, account.updated_at = locked.archived_at, locked.updated_at
    return account


@transaction.atomic
def account_restore(*, actor: User, account: Account) -> Account:
    """Bring an archived account back into lists and choices."""
    require_capability(actor, Capability.ACCOUNTS_DELETE)
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if locked.archived_at is not None:
        locked.archived_at = None
        locked.save(update_fields=["archived_at", "updated_at"])
        audit_record(
            actor=actor, action="account.restore", target=locked, summary=f"account {locked} restored"
        )
    account.archived_at, account.updated_at = locked.archived_at, locked.updated_at
    return account


# --- what hangs on an account ----------------------------------------------------------------------------------


def _require_account_writable(actor: User, account: Account) -> None:
    require_account_editable(actor, account)
    _require_not_archived(account)


@transaction.atomic
def contact_create(*, actor: User, account: Account, data: ContactInput) -> Contact:
    _require_account_writable(actor, account)
    contact = Contact(account=account, **data.model_dump())
    with _model_errors_as_invalid_input():
        contact.full_clean()
    contact.save()
    audit_record(
        actor=actor, action="contact.create", target=contact, summary=f"contact {contact} on {account}"
    )
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact: Contact, data: ContactInput) -> Contact:
    _require_account_writable(actor, contact.account)
    with _model_errors_as_invalid_input():
        changes = model_update(instance=contact, fields=CONTACT_FIELDS, data=data.model_dump())
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
    _require_account_writable(actor, contact.account)
    audit_record(actor=actor, action="contact.delete", target=contact, summary=f"contact {contact} deleted")
    contact.delete()


ORDER_NUMBER_RACE = gettext_noop(
    "Another order with this number was saved on this account at the same moment."
)


def _check_order_number(number: str, *, account: Account, order: Order | None) -> None:
    clash = Order.objects.filter(account=account, number=number)
    if order is not None:
        clash = clash.exclude(pk=order.pk)
    if clash.exists():
        raise InvalidInput(
            _("Please correct the marked fields."),
            fields={"number": [_("This account has an order with this number already.")]},
        )


@transaction.atomic
def order_create(*, actor: User, account: Account, data: OrderInput) -> Order:
    _require_account_writable(actor, account)
    values = data.model_dump()
    _check_order_number(data.number, account=account, order=None)
    order = Order(account=account, **values)
    with _model_errors_as_invalid_input():
        order.full_clean(validate_constraints=False)
    with _conflict_when_another_wrote_first(_(ORDER_NUMBER_RACE)):
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
def order_update(*, actor: User, order: Order, data: OrderInput) -> Order:
    _require_account_writable(actor, order.account)
    _check_order_number(data.number, account=order.account, order=order)
    with _model_errors_as_invalid_input(), _conflict_when_another_wrote_first(_(ORDER_NUMBER_RACE)):
        changes = model_update(instance=order, fields=ORDER_FIELDS, data=data.model_dump())
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
    _require_account_writable(actor, order.account)
    audit_record(actor=actor, action="order.delete", target=order, summary=f"order {order} deleted")
    order.delete()


@transaction.atomic
def insight_create(*, actor: User, account: Account, data: InsightInput) -> CustomerInsight:
    _require_account_writable(actor, account)
    insight = CustomerInsight(account=account, **data.model_dump())
    with _model_errors_as_invalid_input():
        insight.full_clean()
    insight.save()
    audit_record(actor=actor, action="insight.create", target=insight, summary=f"{insight.kind} on {account}")
    return insight


@transaction.atomic
def insight_update(*, actor: User, insight: CustomerInsight, data: InsightInput) -> CustomerInsight:
    _require_account_writable(actor, insight.account)
    with _model_errors_as_invalid_input():
        changes = model_update(instance=insight, fields=INSIGHT_FIELDS, data=data.model_dump())
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
    _require_account_writable(actor, insight.account)
    audit_record(actor=actor, action="insight.delete", target=insight, summary=f"{insight.kind} deleted")
    insight.delete()
