from __future__ import annotations

import pytest

from handschlag.accounts.demo import build_accounts
from handschlag.alliances.demo import LIVED_PARTNER, OFFER_COMPANY, PAPER_PARTNER, build_partnerships
from handschlag.alliances.enums import HealthVerdict, OfferStatus
from handschlag.alliances.models import Offer, Partner
from handschlag.alliances.selectors import offer_assess, partner_health
from handschlag.core.demo import build_organisation
from handschlag.core.passwords import demo_passwords_allowed
from handschlag.mapping.demo import build_mapping
from handschlag.mapping.enums import MappingStatus
from handschlag.mapping.models import MappingRun

pytestmark = pytest.mark.django_db


def test_the_demo_tells_the_three_stories() -> None:
    with demo_passwords_allowed():  # as the demo command does: the published demo password
        context = build_organisation(size="small")
        accounts = build_accounts(context, count=80)
        built = build_partnerships(context)
        build_mapping(  # the mapping step (order 25) reads what the partnerships step built
            context,
            accounts=accounts,
            agreement=built["lived_agreement"],
            manager=built["manager"],
            portal_user=built["portal_user"],
        )
    # Health v2 (issue 12): targets, enablement and a mapping alone no longer make the alliance lived; its leads
    # and joint deals come from the co-selling demo step (tests/coselling/test_opportunity_demo.py: lived there).
    lived = partner_health(partner=Partner.objects.get(name=LIVED_PARTNER))
    assert lived.verdict == HealthVerdict.PAPER_ONLY
    assert lived.reasons[0] == "Paper only: no leads either way and no joint pipeline."
    assert partner_health(partner=Partner.objects.get(name=PAPER_PARTNER)).verdict == HealthVerdict.PAPER_ONLY
    offer = Offer.objects.get(company_name=OFFER_COMPANY)
    assert offer.status == OfferStatus.NEW
    assert offer_assess(offer).one_sided is True
    run = MappingRun.objects.get()
    assert run.status == MappingStatus.DONE
    assert run.match_count > 0
    assert build_partnerships(context) == {}  # a second call adds nothing
    assert Partner.objects.count() == 2
    again = build_mapping(
        context,
        accounts=accounts,
        agreement=built["lived_agreement"],
        manager=built["manager"],
        portal_user=built["portal_user"],
    )
    assert again is None
    assert MappingRun.objects.count() == 1
