"""Every write service of mapping checks its actor itself: a user without the capability, or a partner user of
another partner, changes nothing — whichever caller forgot to check (docs/ARCHITECTURE.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from handschlag.core.enums import Role
from handschlag.core.inputs import input_build
from handschlag.core.models import AuditEvent
from handschlag.mapping.inputs import MappingRunInput
from handschlag.mapping.models import MappingRun, MappingSettings, ShareExclusion, SharingRule
from handschlag.mapping.services import (
    mapping_run_create,
    mapping_run_delete,
    share_exclusion_add,
    share_exclusion_remove,
    sharing_rules_set,
)
from tests.mapping.helpers import opted_in_agreement, our_accounts, rules_patch, run_mapping, upload

pytestmark = pytest.mark.django_db

DENIED = (PermissionDenied, Http404)  # Forbidden or NotFound, as the service decides


@pytest.fixture
def world(make_user: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    manager = make_user(Role.PARTNER_MANAGER)
    partner_user = make_user(Role.PARTNER_USER)
    accounts = our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=partner_user)
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    share_exclusion_add(actor=manager, account=accounts["gamma"], reason="Vertraulich")
    return {
        "manager": manager,
        "partner_user": partner_user,
        "agreement": agreement,
        "run": run,
        **accounts,
    }


def _state(agreement: Any) -> tuple[Any, ...]:
    agreement.refresh_from_db()
    return (
        AuditEvent.objects.count(),
        list(SharingRule.objects.values_list("population", "level", "fields").order_by("population")),
        list(MappingSettings.objects.values_list("min_cell_size", "min_list_records", "count_release_days")),
        list(ShareExclusion.objects.values_list("account_id", flat=True)),
        list(MappingRun.objects.values_list("pk", flat=True).order_by("pk")),
        (agreement.home_opt_in_at, agreement.partner_opt_in_at),
    )


WRITES: dict[str, Callable[[Any, dict[str, Any]], Any]] = {
    "sharing_rules_set": lambda actor, world: sharing_rules_set(
        actor=actor,
        agreement=world["agreement"],
        patch=rules_patch({"prospect": {"level": "counts"}}, min_cell_size=3),
    ),
    "share_exclusion_add": lambda actor, world: share_exclusion_add(
        actor=actor, account=world["alpha"], reason="x"
    ),
    "share_exclusion_remove": lambda actor, world: share_exclusion_remove(
        actor=actor, account=world["gamma"]
    ),
    "mapping_run_create": lambda actor, world: mapping_run_create(
        actor=actor,
        agreement=world["agreement"],
        upload=upload("Firma\nAlpha\n"),
        data=input_build(MappingRunInput, {}),
    ),
    "mapping_run_delete": lambda actor, world: mapping_run_delete(actor=actor, run=world["run"]),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("who", [Role.SELLER, Role.MARKETING, "partner user of another partner"])
def test_a_user_without_the_capability_changes_nothing(
    world: dict[str, Any], make_user: Any, write: str, who: str
) -> None:
    actor = make_user(Role.PARTNER_USER) if who == "partner user of another partner" else make_user(who)
    before = _state(world["agreement"])
    with pytest.raises(DENIED):
        WRITES[write](actor, world)
    assert _state(world["agreement"]) == before


@pytest.mark.parametrize(
    "write", ["sharing_rules_set", "share_exclusion_add", "share_exclusion_remove", "mapping_run_delete"]
)
def test_the_partners_own_user_changes_nothing_of_ours(world: dict[str, Any], write: str) -> None:
    before = _state(world["agreement"])
    with pytest.raises(DENIED):
        WRITES[write](world["partner_user"], world)
    assert _state(world["agreement"]) == before


def test_a_seller_marks_his_own_account_never_to_share(world: dict[str, Any], make_user: Any) -> None:
    seller = make_user(Role.SELLER)
    world["alpha"].owner = seller
    world["alpha"].save(update_fields=["owner"])
    share_exclusion_add(actor=seller, account=world["alpha"], reason="Sein Kunde")
    assert ShareExclusion.objects.filter(account=world["alpha"], created_by=seller).exists()


def test_the_partner_manager_may_do_each_write(world: dict[str, Any]) -> None:
    manager = world["manager"]
    for write in WRITES:
        WRITES[write](manager, world)
    assert MappingSettings.objects.get(agreement=world["agreement"]).min_cell_size == 3
    assert not MappingRun.objects.filter(pk=world["run"].pk).exists()
