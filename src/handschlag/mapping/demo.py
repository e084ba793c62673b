"""Demo account mapping, after the partnerships (step 25): the lived alliance's sharing rules, both sides' opt-in,
and a fresh mapping of the partner's CRM export against our demo accounts.

Reads what earlier steps built: `context.built["accounts"]` (accounts/demo.py) and `context.built["partnerships"]`
(alliances/demo.py: the lived agreement, our partner manager, the partner's portal user).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.files.uploadedfile import SimpleUploadedFile

from handschlag.accounts.enums import AccountStatus
from handschlag.alliances.services import agreement_opt_in
from handschlag.core.demo import DemoContext
from handschlag.core.inputs import input_build
from handschlag.mapping.enums import SharingLevel
from handschlag.mapping.inputs import MatchDecisionInput, SharingRulesPatch
from handschlag.mapping.models import MappingRun
from handschlag.mapping.services import (
    mapping_run_create,
    mapping_run_execute,
    match_decide,
    sharing_rules_set,
)

if TYPE_CHECKING:
    from handschlag.accounts.models import Account
    from handschlag.alliances.models import Agreement
    from handschlag.core.models import User


def _partner_list_csv(accounts: list[Account], context: DemoContext) -> bytes:
    """The partner's CRM export: some of our accounts under its own spelling, plus companies only it knows."""
    rng = context.random
    lines = ["Kundennummer;Firma;Website;Straße;PLZ;Ort;Status"]
    sample = rng.sample(accounts, min(len(accounts), 60))
    partner_statuses = ["Kunde", "Kunde", "Interessent", "offene Chance", "ehemaliger Kunde"]
    for index, account in enumerate(sample):
        name = account.name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
        lines.append(
            f"NL-{1000 + index};{name} {account.legal_form};www.{account.domain};{account.street};"
            f"{account.postal_code};{account.city};{rng.choice(partner_statuses)}"
        )
    for index in range(25):
        lines.append(
            f"NL-{5000 + index};Nordkunde {index} GmbH;nordkunde-{index}.de;Hafenstraße {index + 1};"
            f"2{index:04d};Hamburg;Kunde"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def build_mapping(
    context: DemoContext, *, accounts: list[Account], agreement: Agreement, manager: User, portal_user: User
) -> MappingRun | None:
    """The lived alliance's sharing rules, agreed by both sides, and a mapping run of the partner's list."""
    if MappingRun.objects.filter(agreement=agreement).exists():
        return None
    sharing_rules_set(
        actor=manager,
        agreement=agreement,
        patch=input_build(
            SharingRulesPatch,
            {
                "rules": {
                    "customer": {
                        "level": SharingLevel.ACCOUNTS,
                        "fields": ["owner", "open_opportunity", "city"],
                    },
                    "open_opportunity": {"level": SharingLevel.ACCOUNTS, "fields": ["owner"]},
                    "prospect": {"level": SharingLevel.COUNTS},
                    "former_customer": {"level": SharingLevel.HIDDEN},
                }
            },
        ),
    )
    agreement_opt_in(actor=manager, agreement=agreement)
    agreement_opt_in(actor=portal_user, agreement=agreement)
    customers = [account for account in accounts if account.status != AccountStatus.FORMER_CUSTOMER]
    run = mapping_run_create(
        actor=manager,
        agreement=agreement,
        upload=SimpleUploadedFile("nordlicht-kunden.csv", _partner_list_csv(customers, context), "text/csv"),
    )
    mapping_run_execute(run=run)
    # the partner manager has checked one pair already: it shows as confirmed, with its evidence (docs/adr/0306)
    first = (
        run.matches.select_related("account", "partner_record", "run").order_by("account__name", "id").first()
    )
    if first is not None:
        match_decide(
            actor=manager,
            match=first,
            data=input_build(MatchDecisionInput, {"verdict": "confirmed", "note": "Im Telefonat bestätigt"}),
        )
    return run


def demo_step(context: DemoContext) -> None:
    partnerships = context.built.get("partnerships") or {}
    if "lived_agreement" not in partnerships:
        return  # the partnerships were there already: nothing to map for the demo
    build_mapping(
        context,
        accounts=context.built["accounts"],
        agreement=partnerships["lived_agreement"],
        manager=partnerships["manager"],
        portal_user=partnerships["portal_user"],
    )
