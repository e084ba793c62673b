"""factory_boy factories for the core and accounts models. Other modules add theirs in tests/<module>/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from handschlag.accounts.enums import AccountStatus, OrderStatus
from handschlag.accounts.models import Account, Contact, Order
from handschlag.core.enums import OrganisationKind, Role
from handschlag.core.models import Department, Organisation, User
from handschlag.core.services import organisation_home_ensure


class PartnerOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Partnerfirma {n} GmbH")
    kind = OrganisationKind.PARTNER


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Abteilung {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Vorname{n}")
    last_name = factory.Sequence(lambda n: f"Nachname{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    role = Role.SELLER
    # ensured, not just read: a transactional test's flush removes the row the migration created
    organisation = factory.LazyFunction(lambda: organisation_home_ensure(name="Testfirma GmbH", state="BW"))
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Testkunde {n}")
    legal_form = "GmbH"
    external_id = factory.Sequence(lambda n: f"EXT-{n:05d}")
    domain = factory.Sequence(lambda n: f"testkunde-{n}.de")
    street = "Industriestraße 1"
    postal_code = "70173"
    city = "Stuttgart"
    country = "DE"
    status = AccountStatus.CUSTOMER


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    first_name = "Anna"
    last_name = factory.Sequence(lambda n: f"Kontakt{n}")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    account = factory.SubFactory(AccountFactory)
    number = factory.Sequence(lambda n: f"AB-{n:05d}")
    value = Decimal("10000.00")
    due_date = dt.date(2026, 12, 15)
    status = OrderStatus.OPEN
