"""Core services: users, departments, API tokens, the audit log. Each write service guards itself: a user without
the capability changes nothing."""

from __future__ import annotations

import pytest
from django.utils import translation

from handschlag.core.enums import OrganisationKind, Role
from handschlag.core.errors import Forbidden, InvalidInput
from handschlag.core.inputs import DepartmentInput, DepartmentPatch, UserPatch
from handschlag.core.models import ApiToken, AuditEvent, Department, User
from handschlag.core.passwords import demo_passwords_allowed
from handschlag.core.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    api_token_revoke_by_system,
    department_create,
    department_update,
    token_digest,
    user_create,
    user_create_by_system,
    user_update,
)
from tests.factories import DepartmentFactory, PartnerOrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _department(actor: User, name: str, head: User | None = None) -> Department:
    return department_create(actor=actor, data=DepartmentInput(name=name, head_id=head.pk if head else None))


class TestUserCreate:
    def test_internal_user_belongs_to_the_home_company(self, admin_user):
        user = user_create(
            actor=admin_user, username="neu", password="ein-gutes-Passwort-42", role=Role.SELLER
        )

        assert user.organisation.kind == OrganisationKind.HOME
        assert user.check_password("ein-gutes-Passwort-42")
        event = AuditEvent.objects.get(action="user.create")
        assert (event.actor, event.changes) == (
            admin_user,
            {"role": "seller", "organisation": user.organisation_id},
        )

    @pytest.mark.parametrize(
        ("kwargs", "field", "message"),
        [
            ({"role": "king"}, "role", "Unknown role."),
            ({"username": "ADMIN"}, "username", "This user name is taken."),
            ({"username": "  "}, "username", "A user needs a user name."),
            ({"password": "123"}, "password", None),
            ({"email": "kein-at-zeichen"}, "email", "Enter a valid email address."),
        ],
    )
    def test_rules(self, admin_user, kwargs, field, message):
        arguments = {"username": "neu", "password": None, "role": Role.SELLER, **kwargs}
        before = User.objects.count()

        with pytest.raises(InvalidInput) as caught:
            user_create(actor=admin_user, **arguments)

        assert list(caught.value.fields) == [field]
        if message:
            assert caught.value.fields[field] == [message]
        assert User.objects.count() == before

    @pytest.mark.parametrize("role", [Role.SELLER, Role.MANAGEMENT, Role.PARTNER_MANAGER, Role.PARTNER_USER])
    def test_without_users_manage_nobody_is_created(self, make_user, role):
        actor = make_user(role)
        before = User.objects.count()

        with pytest.raises(Forbidden):
            user_create(actor=actor, username="neu", password=None, role=Role.ADMIN)

        assert User.objects.count() == before
        assert not AuditEvent.objects.filter(action="user.create").exists()

    def test_partner_users_are_created_by_who_manages_partners(self, admin_user, management_user):
        partner_company = PartnerOrganisationFactory()
        before = User.objects.count()

        with pytest.raises(Forbidden):  # users.manage is for our own users
            user_create(
                actor=admin_user,
                username="p",
                password=None,
                role=Role.PARTNER_USER,
                organisation=partner_company,
            )
        assert User.objects.count() == before

        with pytest.raises(InvalidInput) as no_company:
            user_create(actor=management_user, username="p", password=None, role=Role.PARTNER_USER)
        with pytest.raises(InvalidInput) as no_department:
            user_create(
                actor=management_user,
                username="p",
                password=None,
                role=Role.PARTNER_USER,
                organisation=partner_company,
                department=DepartmentFactory(),
            )
        with pytest.raises(InvalidInput) as no_manager:
            user_create(
                actor=management_user,
                username="p",
                password=None,
                role=Role.PARTNER_USER,
                organisation=partner_company,
                manager=management_user,
            )
        user = user_create(
            actor=management_user,
            username="p",
            password=None,
            role=Role.PARTNER_USER,
            organisation=partner_company,
        )

        assert no_company.value.fields == {"organisation": ["A partner user belongs to a partner company."]}
        assert no_department.value.fields == {"department": ["A partner user has no department of ours."]}
        assert no_manager.value.fields == {"manager": ["A partner user has no manager of ours."]}
        assert user.organisation == partner_company
        assert not user.has_usable_password()

    def test_internal_user_cannot_belong_to_a_partner_company(self, admin_user):
        with pytest.raises(InvalidInput) as caught:
            user_create(
                actor=admin_user,
                username="x",
                password=None,
                role=Role.SELLER,
                organisation=PartnerOrganisationFactory(),
            )

        assert list(caught.value.fields) == ["organisation"]

    def test_a_partner_user_manages_none_of_ours(self, admin_user, partner_user, make_user):
        inactive = make_user(Role.MANAGEMENT, username="ehemalig", is_active=False)

        for manager, message in [
            (partner_user, "A partner user cannot manage one of our users."),
            (inactive, "A deactivated user cannot be a manager."),
        ]:
            with pytest.raises(InvalidInput) as caught:
                user_create(
                    actor=admin_user, username="neu", password=None, role=Role.SELLER, manager=manager
                )
            assert caught.value.fields == {"manager": [message]}

        assert not User.objects.filter(username="neu").exists()


class TestPasswords:
    @pytest.mark.parametrize(
        "password",
        [
            "handschlag",
            "Handschlag-2026!",
            "demo-handschlag",
            "HANDSCHLAG_ist_toll",
            "Unser-Unternehmen-2026",  # the home company of the tests, from the first migration
            "unternehmen!Sommer",  # a distinctive word of its name
            "kurz-9x",
            "password123",
            "1234567890123",
        ],
    )
    def test_weak_and_product_passwords_are_refused_on_every_create_path(self, admin_user, password):
        with pytest.raises(InvalidInput) as by_admin:
            user_create(actor=admin_user, username="neu", password=password, role=Role.SELLER)
        with pytest.raises(InvalidInput) as by_system:
            user_create_by_system(username="neu", password=password, role=Role.ADMIN)

        assert list(by_admin.value.fields) == list(by_system.value.fields) == ["password"]
        assert not User.objects.filter(username="neu").exists()

    def test_the_demo_password_only_inside_the_demo_bypass(self):
        with demo_passwords_allowed():
            user = user_create_by_system(username="demo", password="demo-handschlag", role=Role.SELLER)

        assert user.check_password("demo-handschlag")
        with pytest.raises(InvalidInput):
            user_create_by_system(username="demo2", password="demo-handschlag", role=Role.SELLER)


class TestUserUpdate:
    def test_role_cannot_cross_the_company_border(self, admin_user, seller, partner_user):
        with pytest.raises(InvalidInput):
            user_update(actor=admin_user, user=seller, patch=UserPatch(role=Role.PARTNER_USER))
        with pytest.raises(InvalidInput):
            user_update(actor=admin_user, user=partner_user, patch=UserPatch(role=Role.ADMIN))
        with pytest.raises(InvalidInput):
            user_update(actor=admin_user, user=admin_user, patch=UserPatch(is_active=False))
        with pytest.raises(InvalidInput):
            user_update(actor=admin_user, user=admin_user, patch=UserPatch(role=Role.SELLER))

        assert (User.objects.get(pk=seller.pk).role, User.objects.get(pk=partner_user.pk).role) == (
            Role.SELLER,
            Role.PARTNER_USER,
        )
        assert User.objects.get(pk=admin_user.pk).is_active
        assert User.objects.get(pk=admin_user.pk).role == Role.ADMIN

    def test_only_the_given_fields_change(self, admin_user, seller, management_user):
        department = DepartmentFactory()

        user_update(
            actor=admin_user,
            user=seller,
            patch=UserPatch(last_name="Neu", department_id=department.pk, manager_id=management_user.pk),
        )

        seller.refresh_from_db()
        assert (seller.last_name, seller.department, seller.manager) == ("Neu", department, management_user)
        assert seller.first_name.startswith("Vorname")
        event = AuditEvent.objects.get(action="user.update")
        assert set(event.changes) == {"last_name", "department", "manager"}

    def test_no_partner_user_becomes_manager_of_ours(self, admin_user, seller, partner_user):
        for manager_id, message in [
            (partner_user.pk, "A partner user cannot manage one of our users."),
            (seller.pk, "Nobody is his own manager."),
            (10**9, "No such user."),
        ]:
            with pytest.raises(InvalidInput) as caught:
                user_update(actor=admin_user, user=seller, patch=UserPatch(manager_id=manager_id))
            assert caught.value.fields == {"manager": [message]}

        seller.refresh_from_db()
        assert seller.manager is None
        assert not AuditEvent.objects.filter(action="user.update").exists()

    def test_invalid_email_is_a_field_error(self, admin_user, seller):
        email = seller.email

        with pytest.raises(InvalidInput) as caught:
            user_update(actor=admin_user, user=seller, patch=UserPatch.model_construct(email="kein-at"))

        assert list(caught.value.fields) == ["email"]
        assert User.objects.get(pk=seller.pk).email == seller.email == email

    @pytest.mark.parametrize("role", [Role.SELLER, Role.MANAGEMENT, Role.PARTNER_USER])
    def test_without_users_manage_nothing_changes(self, make_user, seller, role):
        actor = make_user(role, username=f"actor-{role}")

        with pytest.raises(Forbidden):
            user_update(actor=actor, user=seller, patch=UserPatch(role=Role.ADMIN, is_active=False))

        seller.refresh_from_db()
        assert (seller.role, seller.is_active) == (Role.SELLER, True)


class TestDepartments:
    def test_names_are_unique_ignoring_case(self, admin_user):
        _department(admin_user, " Vertrieb-Test ")

        with pytest.raises(InvalidInput) as caught:
            _department(admin_user, "vertrieb-test")

        assert caught.value.fields == {"name": ["A department of this name exists already."]}
        assert Department.objects.get(name__iexact="vertrieb-test").name == "Vertrieb-Test"

    def test_no_partner_user_and_no_deactivated_user_heads_one_of_our_departments(
        self, admin_user, partner_user, make_user
    ):
        inactive = make_user(Role.MANAGEMENT, username="ehemalig", is_active=False)
        department = _department(admin_user, "Einkauf-Test")

        for head, message in [
            (partner_user, "A partner user cannot head one of our departments."),
            (inactive, "A deactivated user cannot head a department."),
        ]:
            with pytest.raises(InvalidInput) as on_create:
                _department(admin_user, "Neu-Test", head=head)
            with pytest.raises(InvalidInput) as on_update:
                department_update(
                    actor=admin_user, department=department, patch=DepartmentPatch(head_id=head.pk)
                )
            assert on_create.value.fields == on_update.value.fields == {"head_id": [message]}

        department.refresh_from_db()
        assert department.head is None
        assert not Department.objects.filter(name="Neu-Test").exists()

    def test_update_changes_only_the_given_fields(self, admin_user, management_user):
        department = _department(admin_user, "Einkauf-Test")

        department_update(
            actor=admin_user, department=department, patch=DepartmentPatch(head_id=management_user.pk)
        )

        department.refresh_from_db()
        assert (department.name, department.head, department.is_active) == (
            "Einkauf-Test",
            management_user,
            True,
        )

    @pytest.mark.parametrize("role", [Role.SELLER, Role.MANAGEMENT, Role.PARTNER_MANAGER, Role.PARTNER_USER])
    def test_without_departments_manage_nothing_changes(self, make_user, admin_user, role):
        actor = make_user(role, username=f"actor-{role}")
        department = _department(admin_user, "Einkauf-Test")

        with pytest.raises(Forbidden):
            _department(actor, "Fremd-Test")
        with pytest.raises(Forbidden):
            department_update(actor=actor, department=department, patch=DepartmentPatch(name="Umbenannt"))

        assert list(Department.objects.filter(name__endswith="-Test").values_list("name", flat=True)) == [
            "Einkauf-Test"
        ]


class TestApiTokens:
    def test_only_the_digest_is_stored(self, seller):
        _token, plaintext = api_token_create(actor=seller, user=seller, name=" CRM sync ")

        stored = ApiToken.objects.get()
        assert plaintext.startswith("hs_")
        assert stored.name == "CRM sync"
        assert stored.digest == token_digest(plaintext)
        assert plaintext not in {stored.digest, stored.prefix, stored.name}
        assert stored.prefix == plaintext[:10]
        assert api_token_authenticate(plaintext) == seller

    def test_revoked_token_authenticates_nobody(self, seller):
        token, plaintext = api_token_create(actor=seller, user=seller, name="x")

        api_token_revoke(actor=seller, token=token)
        api_token_revoke(actor=seller, token=token)

        assert api_token_authenticate(plaintext) is None
        assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1

    @pytest.mark.parametrize("plaintext", ["", "hs_wrong", "Bearer hs_x", "hs_" + "a" * 300])
    def test_unknown_tokens(self, seller, plaintext):
        api_token_create(actor=seller, user=seller, name="x")

        assert api_token_authenticate(plaintext) is None

    @pytest.mark.parametrize(
        ("name", "message"), [(" ", "Give the token a name"), ("x" * 101, "At most 100")]
    )
    def test_token_name(self, seller, name, message):
        with pytest.raises(InvalidInput, match=message):
            api_token_create(actor=seller, user=seller, name=name)

        assert not ApiToken.objects.exists()

    def test_nobody_creates_a_token_for_someone_else(self, admin_user, seller):
        with pytest.raises(Forbidden):
            api_token_create(actor=admin_user, user=seller, name="fremd")

        assert not ApiToken.objects.exists()

    def test_a_deactivated_user_creates_no_token(self, make_user):
        gone = make_user(Role.SELLER, username="weg", is_active=False)

        with pytest.raises(Forbidden):
            api_token_create(actor=gone, user=gone, name="x")

        assert not ApiToken.objects.exists()

    def test_revoke_someone_elses_token_only_as_admin(self, seller, make_user, admin_user):
        other = make_user(Role.SELLER, username="andere")
        token, plaintext = api_token_create(actor=other, user=other, name="x")

        with pytest.raises(Forbidden):
            api_token_revoke(actor=seller, token=token)
        assert api_token_authenticate(plaintext) == other

        api_token_revoke(actor=admin_user, token=token)
        assert api_token_authenticate(plaintext) is None

    def test_the_operator_revokes_the_token_of_a_deactivated_user(self, make_user):
        gone = make_user(Role.SELLER, username="weg")
        token, _plaintext = api_token_create(actor=gone, user=gone, name="x")
        User.objects.filter(pk=gone.pk).update(is_active=False)

        api_token_revoke_by_system(token=token)

        token.refresh_from_db()
        assert token.revoked_at is not None
        assert AuditEvent.objects.get(action="api_token.revoke").actor is None


class TestAuditLog:
    def test_events_are_append_only(self, admin_user):
        _department(admin_user, "Audit-Test")
        event = AuditEvent.objects.get(action="department.create")

        event.summary = "rewritten"
        with pytest.raises(ValueError, match="append-only"):
            event.save()
        with pytest.raises(ValueError, match="append-only"):
            event.delete()

        assert AuditEvent.objects.get(pk=event.pk).summary == "department Audit-Test created"
