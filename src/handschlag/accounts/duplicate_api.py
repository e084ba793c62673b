"""GET /api/v1/account-duplicates: the possible duplicates among our accounts, with the engine's evidence and the
merge guidance, for those who may edit accounts (a seller: the groups holding one of his accounts). Partner users
404, our other people 403. Nothing is merged automatically."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from handschlag.accounts.duplicate_access import duplicates_scope
from handschlag.accounts.duplicates import guidance_steps, possible_duplicates
from handschlag.accounts.enums import AccountStatus
from handschlag.core.api_support import ERROR_RESPONSES

router = Router(tags=["accounts"])


class DuplicateAccountOut(Schema):
    id: int
    name: str
    external_id: str
    city: str
    status: AccountStatus
    contact_count: int
    order_count: int
    keep: bool = Field(description="the suggested account to keep; the others merge into it and are archived")
    copy_fields: list[str] = Field(description="fields this account has and the one to keep lacks")


class EvidenceItemOut(Schema):
    field: str
    outcome: str
    similarity: float | None
    weight: float


class DuplicatePairOut(Schema):
    first_account_id: int
    second_account_id: int
    score: float
    evidence_text: str
    evidence: list[EvidenceItemOut]


class DuplicateGroupOut(Schema):
    keep_account_id: int
    accounts: list[DuplicateAccountOut]
    pairs: list[DuplicatePairOut]
    guidance: list[str] = Field(description="how to merge by hand, step by step, in the reader's language")


class DuplicateReportOut(Schema):
    compared: int = Field(description="active accounts compared (the most recently changed first)")
    total: int = Field(description="active accounts")
    groups: list[DuplicateGroupOut]


@router.get("/account-duplicates", response={200: DuplicateReportOut, **ERROR_RESPONSES})
def account_duplicates(request: HttpRequest) -> Any:
    report = possible_duplicates(owner_id=duplicates_scope(request.user))
    return DuplicateReportOut(
        compared=report.compared,
        total=report.total,
        groups=[
            DuplicateGroupOut(
                keep_account_id=group.keep.id,
                accounts=[
                    DuplicateAccountOut(
                        id=account.id,
                        name=account.name,
                        external_id=account.external_id,
                        city=account.city,
                        status=AccountStatus(account.status),
                        contact_count=account.contact_count,
                        order_count=account.order_count,
                        keep=account.id == group.keep.id,
                        copy_fields=list(account.missing_in_kept),
                    )
                    for account in group.accounts
                ],
                pairs=[
                    DuplicatePairOut(
                        first_account_id=pair.first_id,
                        second_account_id=pair.second_id,
                        score=pair.score,
                        evidence_text=pair.evidence_text,
                        evidence=[EvidenceItemOut(**item) for item in pair.evidence],
                    )
                    for pair in group.pairs
                ],
                guidance=guidance_steps(group),
            )
            for group in report.groups
        ],
    )
