"""Building a partnership with a done, opted-in mapping run, the way the services do it."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from handschlag.accounts.enums import AccountStatus
from handschlag.alliances.models import Agreement
from handschlag.alliances.services import agreement_opt_in
from handschlag.core.enums import Role
from handschlag.core.inputs import input_build
from handschlag.core.models import User
from handschlag.core.tasks import run_pending_jobs
from handschlag.mapping.inputs import MappingRunInput, SharingRulesPatch
from handschlag.mapping.models import MappingRun
from handschlag.mapping.services import mapping_run_create, sharing_rules_set
from tests.alliances.factories import AgreementFactory
from tests.factories import AccountFactory, UserFactory

HEADER = "Kundennummer;Firma;Website;PLZ;Ort;Status\n"
FILLER_TOWNS = ["Kiel", "Rostock", "Erfurt", "Passau", "Trier", "Görlitz", "Husum", "Lindau"]


def filler_rows(count: int, *, start: int = 100) -> str:
    """Companies only the partner knows (none of ours), so that a list reaches the agreement's smallest size."""
    return "".join(
        f"P-{number};Solitär {word} {number} GmbH;solitaer-{number}.example;0{number:04d};"
        f"{FILLER_TOWNS[number % len(FILLER_TOWNS)]};Interessent\n"
        for number, word in (
            (start + index, ("Werkzeug", "Logistik", "Textil", "Papier")[index % 4]) for index in range(count)
        )
    )


PARTNER_CSV = (
    HEADER + "P-1;Alpha Antriebe GmbH;alpha-antriebe.de;70173;Stuttgart;Kunde\n"
    "P-2;Beta Blech AG;beta-blech.de;80331;München;Interessent\n"
    "P-3;Gamma Guss KG;gamma-guss.de;50667;Köln;offene Chance\n"
    "P-4;Nur Beim Partner GmbH;nur-beim-partner.de;10115;Berlin;Kunde\n" + filler_rows(16)
)  # 20 records: the smallest list an agreement accepts by default


def our_accounts() -> dict[str, Any]:
    owner = UserFactory(role=Role.SELLER, username="owner_seller", first_name="Olga", last_name="Owner")
    alpha = AccountFactory(
        name="Alpha Antriebe",
        domain="alpha-antriebe.de",
        postal_code="70173",
        city="Stuttgart",
        status=AccountStatus.CUSTOMER,
        owner=owner,
    )
    beta = AccountFactory(
        name="Beta Blech",
        legal_form="AG",
        domain="beta-blech.de",
        postal_code="80331",
        city="München",
        status=AccountStatus.PROSPECT,
    )
    open_opportunity_on(beta)  # "open opportunity" is an open opportunity (issue 12), no longer open orders
    gamma = AccountFactory(
        name="Gamma Guss",
        legal_form="KG",
        domain="gamma-guss.de",
        postal_code="50667",
        city="Köln",
        status=AccountStatus.PROSPECT,
    )
    only_ours = AccountFactory(
        name="Nur Bei Uns",
        domain="nur-bei-uns.de",
        postal_code="20095",
        city="Hamburg",
        status=AccountStatus.CUSTOMER,
    )
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "only_ours": only_ours}


def upload(content: str | bytes, name: str = "partner.csv") -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def run_mapping(
    django_capture_on_commit_callbacks: Any,
    *,
    actor: User,
    agreement: Agreement,
    content: str | bytes = PARTNER_CSV,
    **kwargs: Any,
) -> MappingRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = mapping_run_create(
            actor=actor,
            agreement=agreement,
            upload=upload(content),
            data=input_build(MappingRunInput, kwargs),
        )
    run_pending_jobs()
    run.refresh_from_db()
    return run


def rules_patch(rules: dict[str, Any], **protection: int) -> SharingRulesPatch:
    return input_build(SharingRulesPatch, {"rules": rules, **protection})


def opted_in_agreement(
    *, manager: User, partner_user: User | None = None, rules: dict[str, Any] | None = None
) -> Agreement:
    agreement = (
        AgreementFactory(partner__organisation=partner_user.organisation)
        if partner_user
        else AgreementFactory()
    )
    sharing_rules_set(
        actor=manager,
        agreement=agreement,
        patch=rules_patch(
            rules
            or {
                "customer": {"level": "accounts", "fields": ["city", "owner"]},
                "open_opportunity": {"level": "counts"},
                "prospect": {"level": "hidden"},
            }
        ),
    )
    agreement_opt_in(actor=manager, agreement=agreement)
    if partner_user is not None:
        agreement_opt_in(actor=partner_user, agreement=agreement)
    agreement.refresh_from_db()
    return agreement


def open_opportunity_on(account: Any) -> Any:
    """An open opportunity of ours on the account (the first stage of the default pipeline)."""
    from django.utils import timezone

    from handschlag.coselling.models import Opportunity, PipelineStage
    from handschlag.coselling.services.opportunities import pipeline_default_ensure

    stage = PipelineStage.objects.filter(pipeline=pipeline_default_ensure()).order_by("position").first()
    now = timezone.now()
    return Opportunity.objects.create(
        account=account, title="Offene Chance", stage=stage, stage_entered_at=now, created_at=now
    )
