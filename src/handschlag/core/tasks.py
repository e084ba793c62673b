"""The database-backed job queue (docs/adr/0002-task-queue.md).

    @task
    def import_run_execute(*, import_run_id: int) -> None: ...

    enqueue(import_run_execute, import_run_id=run.pk)   # inside the service's transaction

A job is written when the transaction commits, with JSON-safe keyword arguments. Workers claim a job with a
conditional UPDATE (only one worker wins, on SQLite and PostgreSQL alike), run it, and retry it with a
back-off when it raises. Jobs must be idempotent: after a crash a job whose worker vanished runs again.

`@periodic(every=…)` registers a function the worker runs once per time slot; a unique row per (task, slot)
makes sure that two workers never both run it for the same slot.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules, import_string

from handschlag.core.enums import JobStatus
from handschlag.core.models import Job, ScheduledRun

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_TASK_MARK = "_handschlag_task"
STALE_AFTER = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    every: dt.timedelta


_periodic_tasks: dict[str, PeriodicTask] = {}


def task_name(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def task(function: Callable[P, R]) -> Callable[P, R]:
    """Mark a function as runnable by the worker. Only marked functions can be named by a job."""
    setattr(function, _TASK_MARK, True)
    return function


def periodic(*, every: dt.timedelta) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def register(function: Callable[P, R]) -> Callable[P, R]:
        task(function)
        name = task_name(function)
        _periodic_tasks[name] = PeriodicTask(name=name, every=every)
        return function

    return register


def periodic_tasks() -> list[PeriodicTask]:
    return list(_periodic_tasks.values())


def enqueue(function: Callable[..., Any], *, run_after: dt.datetime | None = None, **arguments: Any) -> None:
    """Queue `function(**arguments)` to run once the current transaction commits."""
    if not getattr(function, _TASK_MARK, False):
        raise ValueError(f"{task_name(function)} is not a @task")
    json.dumps(arguments)  # fail here, not in the worker, when an argument is not JSON-safe
    name = task_name(function)

    def write() -> None:
        job = Job.objects.create(task=name, arguments=arguments, run_after=run_after or timezone.now())
        if settings.HANDSCHLAG_TASKS_EAGER:
            run_job(claim_job(job.pk, worker="eager") or job)

    transaction.on_commit(write)


def _load(name: str) -> Callable[..., Any]:
    function = import_string(name)
    if not getattr(function, _TASK_MARK, False):
        raise ValueError(f"{name} is not a @task")
    return function


def claim_job(job_id: int, *, worker: str) -> Job | None:
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, claimed_by=worker, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    return Job.objects.get(pk=job_id) if claimed else None


def claim_next_job(*, worker: str) -> Job | None:
    """Claim the oldest due job. Safe with any number of workers: the conditional UPDATE has one winner."""
    candidates = Job.objects.filter(status=JobStatus.QUEUED, run_after__lte=timezone.now()).values_list(
        "pk", flat=True
    )[:10]
    for job_id in candidates:
        job = claim_job(job_id, worker=worker)
        if job is not None:
            return job
    return None


def run_job(job: Job) -> bool:
    """Run a claimed job; record success, or failure with a retry. True when it succeeded."""
    try:
        function = _load(job.task)
        function(**job.arguments)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.task)
        error = traceback.format_exc(limit=20)
        if job.attempts < job.max_attempts:
            backoff = dt.timedelta(seconds=30 * 2 ** (job.attempts - 1))
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.QUEUED, run_after=timezone.now() + backoff, error=error, claimed_by=""
            )
        else:
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED, finished_at=timezone.now(), error=error
            )
        return False
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=timezone.now(), error="")
    return True


def requeue_stale_jobs(*, older_than: dt.timedelta = STALE_AFTER) -> int:
    """Jobs whose worker died mid-run go back to the queue (or fail once out of attempts)."""
    cutoff = timezone.now() - older_than
    stale = Job.objects.filter(status=JobStatus.RUNNING, claimed_at__lt=cutoff)
    failed = stale.filter(attempts__gte=F("max_attempts")).update(
        status=JobStatus.FAILED, finished_at=timezone.now(), error="worker vanished"
    )
    return failed + stale.update(status=JobStatus.QUEUED, claimed_by="")


def slot_start(now: dt.datetime, every: dt.timedelta) -> dt.datetime:
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    slots = (now - epoch) // every
    return epoch + slots * every


def enqueue_due_periodic_tasks(*, now: dt.datetime | None = None) -> list[str]:
    """Queue every periodic task whose current slot has not been queued by any worker yet."""
    now = now or timezone.now()
    queued = []
    for periodic_task in periodic_tasks():
        slot = slot_start(now, periodic_task.every)
        if ScheduledRun.objects.filter(task=periodic_task.name, slot=slot).exists():
            continue  # the common case, answered by a read; the unique row below settles races
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(task=periodic_task.name, slot=slot)
                Job.objects.create(task=periodic_task.name, arguments={}, run_after=now, max_attempts=1)
        except IntegrityError:
            continue
        queued.append(periodic_task.name)
    return queued


def discover_tasks() -> None:
    autodiscover_modules("tasks")


def run_pending_jobs(*, worker: str = "inline", limit: int = 1000) -> int:
    """Run due jobs in this process until none is left; for commands and tests. Returns how many ran."""
    count = 0
    while count < limit:
        job = claim_next_job(worker=worker)
        if job is None:
            return count
        run_job(job)
        count += 1
    return count
