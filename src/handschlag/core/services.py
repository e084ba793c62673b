"""Writes of the core app: users, departments, API tokens. Every write leaves an audit event."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.core.enums import OrganisationKind, Role
from handschlag.core.errors import InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import ApiToken, Department, Organisation, User
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
        instance.full_clean()
        instance.save(update_fields=[*changes, *(["updated_at"] if hasattr(instance, "updated_at") else [])])
    return changes


def token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@transaction.atomic
def organisation_home_ensure(*, name: str, state: str) -> Organisation:
    organisation = Organisation.objects.filter(kind=OrganisationKind.HOME).first()
    if organisation is None:
        organisation = Organisation.objects.create(name=name, kind=OrganisationKind.HOME, state=state)
    return organisation


@transaction.atomic
def user_create(
    *,
    actor: User | None,
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
    check_password: bool = True,
) -> User:
    if role not in Role.values:
        raise InvalidInput.for_field("role", _("Unknown role."))
    if User.objects.filter(username__iexact=username).exists():
        raise InvalidInput.for_field("username", _("This user name is taken."))
    home = organisation_home_get()
    if role == Role.PARTNER_USER:
        if organisation is None or organisation.kind != OrganisationKind.PARTNER:
            raise InvalidInput.for_field("organisation", _("A partner user belongs to a partner company."))
        if department is not None:
            raise InvalidInput.for_field("department", _("A partner user has no department of ours."))
    else:
        if organisation is not None and organisation.pk != home.pk:
            raise InvalidInput.for_field("organisation", _("Only partner users belong to a partner company."))
        organisation = home
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        organisation=organisation,
        department=department,
        manager=manager,
        language=language,
    )
    if password:
        if check_password:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise InvalidInput(
                    "; ".join(error.messages), fields={"password": list(error.messages)}
                ) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
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
def user_update(*, actor: User, user: User, data: dict[str, Any]) -> User:
    if "role" in data and data["role"] == Role.PARTNER_USER and user.role != Role.PARTNER_USER:
        raise InvalidInput.for_field("role", _("An internal user cannot become a partner user."))
    if "role" in data and user.role == Role.PARTNER_USER and data["role"] != Role.PARTNER_USER:
        raise InvalidInput.for_field("role", _("A partner user cannot become an internal user."))
    if user.pk == actor.pk and data.get("is_active") is False:
        raise InvalidInput.for_field("is_active", _("You cannot deactivate yourself."))
    changes = model_update(
        instance=user,
        fields=["first_name", "last_name", "email", "role", "department", "manager", "is_active", "language"],
        data=data,
    )
    if changes:
        audit_record(
            actor=actor,
            action="user.update",
            target=user,
            summary=f"user {user.username} changed",
            changes=changes,
        )
    return user


def user_set_language(*, user: User, language: str) -> None:
    if language not in {"de", "en"}:
        raise InvalidInput.for_field("language", _("Unknown language."))
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


@transaction.atomic
def department_create(*, actor: User | None, name: str, head: User | None = None) -> Department:
    name = name.strip()
    if not name:
        raise InvalidInput.for_field("name", _("A department needs a name."))
    if Department.objects.filter(name__iexact=name).exists():
        raise InvalidInput.for_field("name", _("A department of this name exists already."))
    department = Department.objects.create(name=name, head=head)
    audit_record(
        actor=actor, action="department.create", target=department, summary=f"department {name} created"
    )
    return department


@transaction.atomic
def department_update(*, actor: User, department: Department, data: dict[str, Any]) -> Department:
    if "name" in data:
        data["name"] = str(data["name"]).strip()
        if not data["name"]:
            raise InvalidInput.for_field("name", _("A department needs a name."))
        if Department.objects.filter(name__iexact=data["name"]).exclude(pk=department.pk).exists():
            raise InvalidInput.for_field("name", _("A department of this name exists already."))
    if data.get("head") is not None and data["head"].is_partner_user:
        raise InvalidInput.for_field("head", _("A partner user cannot head one of our departments."))
    changes = model_update(instance=department, fields=["name", "head", "is_active"], data=data)
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
    """Create a token and return it with its plaintext, which is never stored and never shown again."""
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
