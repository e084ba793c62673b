"""Writes of the core app: users, departments, API tokens. Every write checks its actor and leaves an audit event."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.core.access import require_capability
from handschlag.core.enums import OrganisationKind, Role
from handschlag.core.errors import Forbidden, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.inputs import DepartmentInput, DepartmentPatch, UserPatch
from handschlag.core.models import ApiToken, Department, Organisation, User
from handschlag.core.passwords import password_check
from handschlag.core.roles import Capability, has_capability
from handschlag.core.selectors import organisation_home_get

TOKEN_PREFIX = "hs_"  # noqa: S105 - a marker, not a secret


def model_update(*, instance: models.Model, fields: list[str], data: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the given fields from `data` when they differ; save only those. Returns the changes (old, new)."""
    changes: dict[str, list[Any]] = {}
    for name in fields:
        if name not in data:
            continue
        old, new = getattr(instance, name), data[name]
        if old != new:
            changes[name] = [old, new]
            setattr(instance, name, new)
    if changes:
        try:
            instance.full_clean()
        except ValidationError:
            for name, (old, _new) in changes.items():  # the caller's object stays as it was
                setattr(instance, name, old)
            raise
        instance.save(update_fields=[*changes, *(["updated_at"] if hasattr(instance, "updated_at") else [])])
    return changes


def invalid_input_from_validation(error: ValidationError) -> InvalidInput:
    """A model's `ValidationError` (full_clean) as the services' `InvalidInput`, field by field."""
    if hasattr(error, "error_dict"):
        fields = {
            ("" if field == "__all__" else field): [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
    else:
        fields = {"": [str(message) for message in error.messages]}
    first = next(iter(fields.values()))[0] if fields else str(error)
    return InvalidInput(first, fields=fields)


def token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transaction.atomic
def organisation_home_ensure(*, name: str, state: str) -> Organisation:
    organisation = Organisation.objects.filter(kind=OrganisationKind.HOME).first()
    if organisation is None:
        organisation = Organisation.objects.create(name=name, kind=OrganisationKind.HOME, state=state)
    return organisation


def _user_manager(manager_id: int | None, *, for_user: User | None = None) -> User | None:
    """A manager is an active user of ours, never a partner's user, and not the user himself."""
    if manager_id is None:
        return None
    manager = User.objects.filter(pk=manager_id).first()
    if manager is None:
        raise InvalidInput.for_field("manager", _("No such user."))
    if manager.is_partner_user:
        raise InvalidInput.for_field("manager", _("A partner user cannot manage one of our users."))
    if not manager.is_active:
        raise InvalidInput.for_field("manager", _("A deactivated user cannot be a manager."))
    if for_user is not None and manager.pk == for_user.pk:
        raise InvalidInput.for_field("manager", _("Nobody is his own manager."))
    return manager


def _user_department(department_id: int | None) -> Department | None:
    if department_id is None:
        return None
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise InvalidInput.for_field("department", _("No such department."))
    return department


def _user_build_and_save(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    role: str,
    email: str,
    first_name: str,
    last_name: str,
    department: Department | None,
    manager: User | None,
    organisation: Organisation | None,
    language: str,
) -> User:
    username = username.strip()
    if role not in Role.values:
        raise InvalidInput.for_field("role", _("Unknown role."))
    if not username:
        raise InvalidInput.for_field("username", _("A user needs a user name."))
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput.for_field("username", _("This user name is taken."))
    home = organisation_home_get()
    if role == Role.PARTNER_USER:
        if organisation is None or organisation.kind != OrganisationKind.PARTNER:
            raise InvalidInput.for_field("organisation", _("A partner user belongs to a partner company."))
        if department is not None:
            raise InvalidInput.for_field("department", _("A partner user has no department of ours."))
        if manager is not None:
            raise InvalidInput.for_field("manager", _("A partner user has no manager of ours."))
    else:
        if organisation is not None and organisation.pk != home.pk:
            raise InvalidInput.for_field("organisation", _("Only partner users belong to a partner company."))
        organisation = home
    if manager is not None:
        _user_manager(manager.pk)
    user = User(
        username=username,
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
        organisation=organisation,
        department=department,
        manager=manager,
        language=language,
    )
    if password:
        password_check(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise invalid_input_from_validation(error) from None
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        summary=f"user {username} created with role {role}",
        changes={"role": role, "organisation": organisation.pk},
    )
    return user


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str | None,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    department: Department | None = None,
    manager: User | None = None,
    organisation: Organisation | None = None,
    language: str = "de",
) -> User:
    """A login. Internal users need `users.manage`; partner users (portal logins) `partners.manage`. The password
    passes Django's validators (settings.AUTH_PASSWORD_VALIDATORS); None makes a login that cannot log in yet."""
    require_capability(
        actor, Capability.PARTNERS_MANAGE if role == Role.PARTNER_USER else Capability.USERS_MANAGE
    )
    return _user_build_and_save(
        actor=actor,
        username=username,
        password=password,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        department=department,
        manager=manager,
        organisation=organisation,
        language=language,
    )


@transaction.atomic
def user_create_by_system(
    *,
    username: str,
    password: str | None,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    department: Department | None = None,
    organisation: Organisation | None = None,
    language: str = "de",
) -> User:
    """A login created by the installation itself (the demo loader, `createsuperuser`): no acting user, the same
    rules and the same password validation (the demo's published password only inside `demo_passwords_allowed`)."""
    return _user_build_and_save(
        actor=None,
        username=username,
        password=password,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
        department=department,
        manager=None,
        organisation=organisation,
        language=language,
    )


@transaction.atomic
def user_update(*, actor: User, user: User, patch: UserPatch) -> User:
    require_capability(actor, Capability.USERS_MANAGE)
    data = patch.given()
    role = data.get("role")
    if role is not None and role == Role.PARTNER_USER and user.role != Role.PARTNER_USER:
        raise InvalidInput.for_field("role", _("An internal user cannot become a partner user."))
    if role is not None and user.role == Role.PARTNER_USER and role != Role.PARTNER_USER:
        raise InvalidInput.for_field("role", _("A partner user cannot become an internal user."))
    if "role" in data and role is None:
        raise InvalidInput.for_field("role", _("Unknown role."))
    if user.pk == actor.pk and data.get("is_active") is False:
        raise InvalidInput.for_field("is_active", _("You cannot deactivate yourself."))
    if user.pk == actor.pk and role is not None and role != user.role and user.role == Role.ADMIN:
        raise InvalidInput.for_field("role", _("You cannot take the administrator role from yourself."))
    for required in ("is_active", "language"):
        if required in data and data[required] is None:
            data.pop(required)
    values: dict[str, Any] = {
        key: ("" if value is None else value)
        for key, value in data.items()
        if key in {"first_name", "last_name", "email", "role", "is_active", "language"}
    }
    if "department_id" in data:
        department = _user_department(data["department_id"])
        if department is not None and user.is_partner_user:
            raise InvalidInput.for_field("department", _("A partner user has no department of ours."))
        values["department"] = department
    if "manager_id" in data:
        manager = _user_manager(data["manager_id"], for_user=user)
        if manager is not None and user.is_partner_user:
            raise InvalidInput.for_field("manager", _("A partner user has no manager of ours."))
        values["manager"] = manager
    try:
        changes = model_update(
            instance=user,
            fields=[
                "first_name",
                "last_name",
                "email",
                "role",
                "department",
                "manager",
                "is_active",
                "language",
            ],
            data=values,
        )
    except ValidationError as error:
        raise invalid_input_from_validation(error) from None
    if changes:
        audit_record(
            actor=actor,
            action="user.update",
            target=user,
            summary=f"user {user.username} changed",
            changes=changes,
        )
    return user


@transaction.atomic
def user_password_changed_record(*, user: User, how: str) -> None:
    """The audit row of a password that Django's own forms set (`how`: "change" by the user, "reset" by e-mail
    link). The forms validated it with settings.AUTH_PASSWORD_VALIDATORS; the password itself is never logged."""
    audit_record(
        actor=user,
        action=f"user.password_{how}",
        target=user,
        summary=f"user {user.username} set a new password ({how})",
    )


def user_set_language(*, user: User, language: str) -> None:
    """The user's own choice of language (the top bar); nobody sets it for someone else here."""
    if language not in {"de", "en"}:
        raise InvalidInput.for_field("language", _("Unknown language."))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def _department_head(head_id: int | None) -> User | None:
    """A head is an active user of ours: escalations go to him, with our customers' names."""
    if head_id is None:
        return None
    head = User.objects.filter(pk=head_id).first()
    if head is None:
        raise InvalidInput.for_field("head_id", _("No such user."))
    if head.is_partner_user:
        raise InvalidInput.for_field("head_id", _("A partner user cannot head one of our departments."))
    if not head.is_active:
        raise InvalidInput.for_field("head_id", _("A deactivated user cannot head a department."))
    return head


def _department_name_free(name: str, *, department: Department | None = None) -> None:
    taken = Department.objects.filter(name__iexact=name)
    if department is not None:
        taken = taken.exclude(pk=department.pk)
    if taken.exists():
        raise InvalidInput.for_field("name", _("A department of this name exists already."))


@transaction.atomic
def department_create(*, actor: User, data: DepartmentInput) -> Department:
    require_capability(actor, Capability.DEPARTMENTS_MANAGE)
    _department_name_free(data.name)
    department = Department.objects.create(
        name=data.name, head=_department_head(data.head_id), is_active=data.is_active
    )
    audit_record(
        actor=actor, action="department.create", target=department, summary=f"department {data.name} created"
    )
    return department


@transaction.atomic
def department_update(*, actor: User, department: Department, patch: DepartmentPatch) -> Department:
    require_capability(actor, Capability.DEPARTMENTS_MANAGE)
    data = patch.given()
    values: dict[str, Any] = {}
    if data.get("name") is not None:
        _department_name_free(data["name"], department=department)
        values["name"] = data["name"]
    if "head_id" in data:
        values["head"] = _department_head(data["head_id"])
    if data.get("is_active") is not None:
        values["is_active"] = data["is_active"]
    changes = model_update(instance=department, fields=["name", "head", "is_active"], data=values)
    if changes:
        audit_record(
            actor=actor,
            action="department.update",
            target=department,
            summary=f"department {department.name} changed",
            changes=changes,
        )
    return department


@transaction.atomic
def api_token_create(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its plaintext, which is never stored and never shown again.
    A token is personal: only its user creates it, and it acts with his role."""
    require_capability(actor, Capability.API_TOKENS_OWN)
    if actor.pk != user.pk:
        raise Forbidden
    name = name.strip()
    if not name:
        raise InvalidInput.for_field("name", _("Give the token a name, so you know later what uses it."))
    if len(name) > 100:
        raise InvalidInput.for_field("name", _("At most 100 characters."))
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=plaintext[:10], digest=token_digest(plaintext)
    )
    audit_record(
        actor=actor, action="api_token.create", target=token, summary=f"API token {name} for {user.username}"
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Its user revokes his own token; an administrator anyone's."""
    if not (
        (has_capability(actor, Capability.API_TOKENS_OWN) and token.user_id == actor.pk)
        or has_capability(actor, Capability.USERS_MANAGE)
    ):
        raise Forbidden
    return _api_token_revoke(actor=actor, token=token)


@transaction.atomic
def api_token_revoke_by_system(*, token: ApiToken) -> ApiToken:
    """Revoked by the operator on the command line (`handschlag token revoke ID`), also for deactivated users."""
    return _api_token_revoke(actor=None, token=token)


def _api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoke",
            target=token,
            summary=f"API token {token.name} of {token.user.username} revoked",
        )
    return token


def api_token_authenticate(plaintext: str) -> User | None:
    """The active user behind a bearer token, or None."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(plaintext), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
