"""Job-rotation days and ride-alongs, whether the tour was representative, and feedback from both sides."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from handschlag.accounts.selectors import account_list_by_ids
from handschlag.alignment.access import require_in_module
from handschlag.alignment.enums import ExchangeSide
from handschlag.alignment.inputs import ExchangeFeedbackInput, ExchangeInput
from handschlag.alignment.models import Exchange, ExchangeFeedback
from handschlag.alignment.selectors import host_top_account_ids
from handschlag.core.errors import Conflict, Forbidden, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability, is_internal

REPRESENTATIVE_MAX_TOP_SHARE = Decimal("0.5")


def representativeness(*, host: User, account_ids: set[int]) -> tuple[Decimal | None, bool | None]:
    """The share of visited accounts that are among the host's top fifth by revenue, and whether the tour was
    representative (at most half of it among them). None without visits or without accounts of the host."""
    top = host_top_account_ids(host=host)
    if not account_ids or not top:
        return None, None
    share = (Decimal(len(account_ids & top)) / Decimal(len(account_ids))).quantize(Decimal("0.01"))
    return share, share <= REPRESENTATIVE_MAX_TOP_SHARE


def exchange_create(*, actor: User, data: ExchangeInput) -> Exchange:
    require_in_module(actor, Capability.EXCHANGES_RECORD)
    people = {
        user.pk: user for user in User.objects.filter(pk__in=[data.host_id, data.guest_id], is_active=True)
    }
    host, guest = people.get(data.host_id), people.get(data.guest_id)
    if host is None or not is_internal(host):
        raise InvalidInput.for_field("host_id", _("Choose an active colleague."))
    if guest is None or not is_internal(guest):
        raise InvalidInput.for_field("guest_id", _("Choose an active colleague."))
    if host.pk == guest.pk:
        raise InvalidInput.for_field("guest_id", _("Host and guest must be two people."))
    # a seller records the exchanges he takes part in; management and marketing any
    if actor.pk not in (host.pk, guest.pk) and not has_capability(actor, Capability.ALIGNMENT_FIGURES_VIEW):
        raise Forbidden
    account_ids = set(data.account_ids)
    found = set(account_list_by_ids(account_ids=account_ids).values_list("pk", flat=True))
    if found != account_ids:
        raise InvalidInput.for_field("account_ids", _("No such account."))
    share, representative = representativeness(host=host, account_ids=account_ids)
    with transaction.atomic():
        exchange = Exchange.objects.create(
            kind=data.kind,
            host=host,
            guest=guest,
            date=data.date,
            notes=data.notes,
            top_account_share=share,
            representative=representative,
            created_by=actor,
        )
        exchange.accounts.set(account_ids)
        audit_record(
            actor=actor,
            action="exchange.create",
            target=exchange,
            summary=f"Recorded {data.kind} on {data.date}",
            changes={"kind": data.kind, "host": host.pk, "guest": guest.pk, "date": data.date},
        )
    return exchange


def exchange_feedback_give(
    *, actor: User, exchange: Exchange, data: ExchangeFeedbackInput
) -> ExchangeFeedback:
    """Host and guest each give feedback once, afterwards."""
    require_in_module(actor, Capability.ALIGNMENT_VIEW)
    if actor.pk == exchange.host_id:
        side = ExchangeSide.HOST
    elif actor.pk == exchange.guest_id:
        side = ExchangeSide.GUEST
    else:
        raise Forbidden
    try:
        with transaction.atomic():
            feedback = ExchangeFeedback.objects.create(
                exchange=exchange, side=side, author=actor, rating=data.rating, text=data.text
            )
            audit_record(
                actor=actor,
                action="exchange.feedback",
                target=exchange,
                summary=f"Gave feedback as {side}",
                changes={"side": side, "rating": data.rating},
            )
    except IntegrityError:
        raise Conflict(_("You have given feedback on this exchange already."), code="already_given") from None
    return feedback
