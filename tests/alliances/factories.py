from __future__ import annotations

import factory

from handschlag.alliances.enums import AgreementStatus, PartnerType
from handschlag.alliances.models import Agreement, Offer, Partner
from tests.factories import PartnerOrganisationFactory


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    organisation = factory.SubFactory(PartnerOrganisationFactory)
    name = factory.SelfAttribute("organisation.name")
    partner_type = PartnerType.STRATEGIC_ALLIANCE


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    partner = factory.SubFactory(PartnerFactory)
    title = factory.Sequence(lambda n: f"Allianzvertrag {n}")
    status = AgreementStatus.ACTIVE
    leads_to_us_per_quarter = 5
    leads_to_partner_per_quarter = 5
    value_proposition = "Gemeinsam liefern wir Maschine und Software aus einer Hand."
    value_proposition_version = 1


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    company_name = factory.Sequence(lambda n: f"Kleinsoft {n} GmbH")
    received_on = factory.Faker("date_this_year")
    gives = ["commission", "free_trial"]
    asks = ["event_stage"]
