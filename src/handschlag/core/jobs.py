"""Jobs for administrators: the list of failed (or other) jobs and "retry". The queue itself is `core/tasks.py`."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from handschlag.core.access import require_capability
from handschlag.core.enums import JobStatus
from handschlag.core.errors import Conflict
from handschlag.core.events import audit_record
from handschlag.core.models import Job, User
from handschlag.core.roles import Capability
from handschlag.core.tasks import job_requeue


def job_list(*, status: str | None = JobStatus.FAILED) -> QuerySet[Job]:
    """Jobs of one status (all when None), the most recently finished first."""
    jobs = Job.objects.all()
    if status:
        jobs = jobs.filter(status=status)
    return jobs.order_by(F("finished_at").desc(nulls_first=True), "-id")


@transaction.atomic
def job_retry(*, actor: User, job: Job) -> Job:
    """Queue a failed job again with fresh attempts. The task runs again as written: a task that leaves a
    finished (also a failed) import or mapping run alone does nothing; such runs are started anew by their users."""
    require_capability(actor, Capability.JOBS_MANAGE)
    if not job_requeue(job):
        raise Conflict(_("Only a failed job can be retried."))
    audit_record(
        actor=actor,
        action="job.retry",
        target=job,
        summary=f"job {job.task} queued again",
        changes={"attempts": job.attempts},
    )
    job.refresh_from_db()
    return job
