"""The audit log's sentences for core's own actions: users, logins, departments, API tokens, background jobs.

Registered by `CoreConfig.ready()` like every module's (see `core/audit_sentences.py`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from handschlag.core.audit_sentences import (
    AuditLine,
    AuditObjectType,
    AuditSentence,
    audit_object_type_register,
    audit_sentence_register,
    numeric_target_ids,
    person_name,
)
from handschlag.core.enums import Role
from handschlag.core.models import ApiToken, Department, Job, User


def _user_names(ids: Collection[str]) -> Mapping[str, str]:
    return {str(user.pk): person_name(user) for user in User.objects.filter(pk__in=numeric_target_ids(ids))}


def _department_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): name
        for pk, name in Department.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "name")
    }


def _token_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): name
        for pk, name in ApiToken.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "name")
    }


def _job_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): f"#{pk} ({task.rsplit('.', 1)[-1]})"
        for pk, task in Job.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "task")
    }


def _role(value: str) -> str:
    return str(Role(value).label) if value in Role.values else value


def _user_create(line: AuditLine) -> str:
    return _("%(actor)s created the user %(user)s (%(role)s)") % {
        "actor": line.actor,
        "user": line.target(),
        "role": _role(line.changes["role"]),
    }


def _user_update(line: AuditLine) -> str:
    names = {"actor": line.actor, "user": line.target()}
    if set(line.changes) == {"is_active"}:
        if line.changes["is_active"][-1]:
            return _("%(actor)s reactivated the user %(user)s") % names
        return _("%(actor)s deactivated the user %(user)s") % names
    if set(line.changes) == {"role"}:
        return _("%(actor)s gave %(user)s the role %(role)s") % {
            **names,
            "role": _role(line.changes["role"][-1]),
        }
    return _("%(actor)s changed the user %(user)s (%(fields)s)") % {**names, "fields": line.field_names(User)}


def _department_update(line: AuditLine) -> str:
    names = {"actor": line.actor, "department": line.target()}
    if set(line.changes) == {"head"} and line.changes["head"][-1] is not None:
        return _("%(actor)s made %(head)s head of the department %(department)s") % {
            **names,
            "head": line.person("head"),
        }
    return _("%(actor)s changed the department %(department)s (%(fields)s)") % {
        **names,
        "fields": line.field_names(Department),
    }


def audit_sentences_core_register() -> None:
    audit_object_type_register(AuditObjectType("core.user", gettext_lazy("User"), names=_user_names))
    audit_object_type_register(
        AuditObjectType("core.department", gettext_lazy("Department"), names=_department_names)
    )
    audit_object_type_register(
        AuditObjectType("core.apitoken", gettext_lazy("API token"), names=_token_names)
    )
    audit_object_type_register(AuditObjectType("core.job", gettext_lazy("Background job"), names=_job_names))
    audit_object_type_register(AuditObjectType("core.organisation", gettext_lazy("Organisation")))
    audit_object_type_register(AuditObjectType("core.retentionsetting", gettext_lazy("Retention setting")))
    audit_sentence_register(
        # the person by kind and number only: the log records that data was exported or erased, not whose name
        AuditSentence(
            "privacy.export",
            lambda line: (
                _("%(actor)s exported the personal data of a person (%(subject)s)")
                % {"actor": line.actor, "subject": line.changes.get("subject", "?")}
            ),
        ),
        AuditSentence(
            "privacy.erase",
            lambda line: (
                _("%(actor)s erased the personal data of a person (%(subject)s)")
                % {"actor": line.actor, "subject": line.changes.get("subject", "?")}
            ),
        ),
        AuditSentence(
            "privacy.retention_set",
            lambda line: (
                _("%(actor)s set how long “%(kind)s” is kept")
                % {"actor": line.actor, "kind": line.changes.get("kind", "?")}
            ),
        ),
    )
    audit_sentence_register(
        AuditSentence("user.create", _user_create),
        AuditSentence("user.update", _user_update),
        AuditSentence(
            "user.password_change", lambda line: _("%(actor)s set a new password") % {"actor": line.actor}
        ),
        AuditSentence(
            "user.password_reset",
            lambda line: _("%(actor)s set a new password through the e-mail link") % {"actor": line.actor},
        ),
        AuditSentence(
            "user.notification_email",
            lambda line: (
                _("%(actor)s changed the e-mail notifications of %(user)s")
                % {"actor": line.actor, "user": line.target()}
            ),
        ),
        AuditSentence(
            "user.weekly_digest",
            lambda line: (
                (
                    _("%(actor)s switched the weekly summary e-mail on")
                    if line.changes.get("weekly_digest", [None, True])[-1]
                    else _("%(actor)s switched the weekly summary e-mail off")
                )
                % {"actor": line.actor}
            ),
        ),
        AuditSentence("auth.login", lambda line: _("%(actor)s logged in") % {"actor": line.actor}),
        AuditSentence("auth.logout", lambda line: _("%(actor)s logged out") % {"actor": line.actor}),
        AuditSentence(
            "auth.login_failed",
            lambda line: _("Failed login as “%(username)s”") % {"username": line.changes["username"]},
        ),
        AuditSentence(
            "department.create",
            lambda line: (
                _("%(actor)s created the department %(department)s")
                % {"actor": line.actor, "department": line.target()}
            ),
        ),
        AuditSentence("department.update", _department_update, people=("head",)),
        AuditSentence(
            "api_token.create",
            lambda line: (
                _("%(actor)s created the API token “%(token)s”")
                % {"actor": line.actor, "token": line.target()}
            ),
        ),
        AuditSentence(
            "api_token.revoke",
            lambda line: (
                _("%(actor)s revoked the API token “%(token)s”")
                % {"actor": line.actor, "token": line.target()}
            ),
        ),
        AuditSentence(
            "job.retry",
            lambda line: (
                _("%(actor)s queued the background job %(job)s again")
                % {"actor": line.actor, "job": line.target()}
            ),
        ),
    )
