"""Access to core objects. Views and API endpoints get objects only through these functions."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import ApiToken, Department, Job, Notification, User
from handschlag.core.roles import Capability, has_capability


def require_capability(user: User | AnonymousUser, capability: Capability) -> None:
    if not has_capability(user, capability):
        raise Forbidden


def access_api_token_by_id(user: User, token_id: int) -> ApiToken:
    """A user's own token; someone else's token does not exist for him."""
    token = ApiToken.objects.select_related("user").filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound
    return token


def access_department_by_id(user: User, department_id: int) -> Department:
    require_capability(user, Capability.DEPARTMENTS_MANAGE)
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise NotFound
    return department


def access_user_by_id(user: User, user_id: int) -> User:
    require_capability(user, Capability.USERS_MANAGE)
    target = User.objects.filter(pk=user_id).first()
    if target is None:
        raise NotFound
    return target


def access_job_by_id(user: User, job_id: int) -> Job:
    require_capability(user, Capability.JOBS_MANAGE)
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound
    return job


def access_notification_by_id(user: User, notification_id: int) -> Notification:
    """A user's own notification; someone else's does not exist for him."""
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is None:
        raise NotFound
    return notification
