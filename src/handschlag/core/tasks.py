"""The database-backed job queue (docs/adr/0002-task-queue.md).

    @task(on_failure=import_run_failed)
    def import_run_execute_task(*, import_run_id: int) -> None: ...

    # in the service, inside its transaction, by the task's name (services never import tasks):
    enqueue("handschlag.accounts.tasks.import_run_execute_task", import_run_id=run.pk)

`enqueue` writes the job row in the caller's transaction: it exists exactly when the work that asked for it
committed. Workers claim a job with a conditional UPDATE (one winner, on SQLite and PostgreSQL alike) that gives
the attempt a fresh lease token; while the job runs, a heartbeat thread renews the lease. A job whose lease ran
out (its worker died) is queued again, or failed once out of attempts. Finishing a job, successfully or not, is
an UPDATE guarded by the lease token, so an attempt that lost its lease cannot mark the job done or failed.
When a job fails for the last time its task's `on_failure` hook puts the domain object into a failed state.

Jobs are in one of two queues: `critical` (periodic work such as SLA escalation) and `bulk` (imports, mapping
runs). The worker (`core/worker.py`) runs critical jobs in its main loop and bulk jobs in a separate lane, so a
long import never delays an escalation.

`@periodic(every=…)` registers a function the worker queues once per time slot; a unique row per (task, slot)
makes sure that two workers never both queue it for the same slot.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import traceback
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, overload

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules, import_string

from handschlag.core.enums import JobQueue, JobStatus
from handschlag.core.models import Job, ScheduledRun
from handschlag.core.notifications import notification_digests_send_as_system

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# hook(reason, **the job's arguments): called once, when a job fails for the last time or its lease runs out
# with no attempt left, in the transaction that marks the job failed.
FailureHook = Callable[..., None]

QUEUE_ORDER: list[str] = [JobQueue.CRITICAL, JobQueue.BULK]
LEASE_LOST_REASON = "the worker stopped renewing the job's lease (it crashed or was killed)"

_OPTIONS_ATTRIBUTE = "_handschlag_task"


@dataclass(frozen=True)
class TaskOptions:
    queue: str = JobQueue.BULK
    max_attempts: int = 3
    on_failure: FailureHook | None = None


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    every: dt.timedelta
    queue: str = JobQueue.CRITICAL


_periodic_tasks: dict[str, PeriodicTask] = {}


def task_name(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def task_options(function: Callable[..., Any]) -> TaskOptions | None:
    options = getattr(function, _OPTIONS_ATTRIBUTE, None)
    return options if isinstance(options, TaskOptions) else None


@overload
def task(function: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def task(
    *, queue: str = JobQueue.BULK, max_attempts: int = 3, on_failure: FailureHook | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def task(
    function: Callable[P, R] | None = None,
    /,
    *,
    queue: str = JobQueue.BULK,
    max_attempts: int = 3,
    on_failure: FailureHook | None = None,
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark a function as runnable by the worker. Only marked functions can be named by a job.

    `@task` or `@task(queue=…, max_attempts=…, on_failure=…)`; see `FailureHook` for the hook's signature.
    """
    if queue not in JobQueue.values:
        raise ValueError(f"unknown queue {queue!r}")
    options = TaskOptions(queue=queue, max_attempts=max_attempts, on_failure=on_failure)

    def mark(marked: Callable[P, R]) -> Callable[P, R]:
        setattr(marked, _OPTIONS_ATTRIBUTE, options)
        return marked

    return mark(function) if function is not None else mark


def periodic(
    *, every: dt.timedelta, queue: str = JobQueue.CRITICAL, on_failure: FailureHook | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Queue the function once per slot of `every`. One attempt: the next slot is the retry."""

    def register(function: Callable[P, R]) -> Callable[P, R]:
        task(queue=queue, max_attempts=1, on_failure=on_failure)(function)
        name = task_name(function)
        _periodic_tasks[name] = PeriodicTask(name=name, every=every, queue=queue)
        return function

    return register


def periodic_tasks() -> list[PeriodicTask]:
    return list(_periodic_tasks.values())


def lease_duration() -> dt.timedelta:
    return dt.timedelta(seconds=settings.HANDSCHLAG_JOB_LEASE_SECONDS)


def heartbeat_interval() -> dt.timedelta:
    """A lease is renewed every third of it: two renewals may fail before another worker takes the job."""
    return lease_duration() / 3


def enqueue(
    function: Callable[..., Any] | str, *, run_after: dt.datetime | None = None, **arguments: Any
) -> Job:
    """Queue `function(**arguments)`: the job row is written in the caller's transaction, so it commits with the
    work that asked for it, or not at all. Workers only see committed rows.

    `function` is the task or its registered name ("handschlag.mapping.tasks.mapping_run_execute_task"). Services
    pass the name: tasks import services, never the other way round (import contract "services-not-tasks")."""
    if isinstance(function, str):
        function = _load(function)  # the named function must be a @task; raises otherwise
    options = task_options(function)
    if options is None:
        raise ValueError(f"{task_name(function)} is not a @task")
    json.dumps(arguments)  # fail here, not in the worker, when an argument is not JSON-safe
    job = Job.objects.create(
        task=task_name(function),
        arguments=arguments,
        run_after=run_after or timezone.now(),
        queue=options.queue,
        max_attempts=options.max_attempts,
    )
    if settings.HANDSCHLAG_TASKS_EAGER:
        transaction.on_commit(lambda: _run_now(job.pk))
    return job


def _run_now(job_id: int) -> None:
    job_run_in_process(job_id, worker="eager")


def job_run_in_process(job_id: int, *, worker: str = "request") -> bool:
    """Run one committed, queued job here and now (a small import inside its request), with the same lease,
    heartbeat, retry and failure hook as in the worker: if this process dies, the lease runs out and a worker takes
    the job over. False when another process had claimed it already or the attempt failed."""
    claimed = claim_job(job_id, worker=worker)
    return run_job(claimed) if claimed is not None else False


def _load(name: str) -> Callable[..., Any]:
    function = import_string(name)
    if task_options(function) is None:
        raise ValueError(f"{name} is not a @task")
    return function


def claim_job(job_id: int, *, worker: str) -> Job | None:
    """Take a queued job for one attempt: status, owner, a fresh lease token and its expiry in one UPDATE."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        claimed_by=worker[:100],
        claimed_at=now,
        lease_token=uuid.uuid4().hex,
        lease_expires_at=now + lease_duration(),
        attempts=F("attempts") + 1,
    )
    return Job.objects.get(pk=job_id) if claimed else None


def claim_next_job(*, worker: str, queues: Collection[str] | None = None) -> Job | None:
    """Claim the oldest due job of the first queue (critical before bulk) that has one.

    Safe with any number of workers: the conditional UPDATE has one winner."""
    now = timezone.now()
    for queue in QUEUE_ORDER:
        if queues is not None and queue not in queues:
            continue
        candidates = (
            Job.objects.filter(status=JobStatus.QUEUED, queue=queue, run_after__lte=now)
            .order_by("run_after", "id")
            .values_list("pk", flat=True)[:10]
        )
        for job_id in candidates:
            job = claim_job(job_id, worker=worker)
            if job is not None:
                return job
    return None


def _owned(job: Job) -> QuerySet[Job]:
    """The job row, as long as this attempt still holds it."""
    return Job.objects.filter(
        pk=job.pk, status=JobStatus.RUNNING, claimed_by=job.claimed_by, lease_token=job.lease_token
    )


def renew_lease(job: Job) -> bool:
    """Extend the lease of a running attempt. False when the attempt lost it (another worker owns the job)."""
    return bool(_owned(job).update(lease_expires_at=timezone.now() + lease_duration()))


class Heartbeat:
    """Renews a running job's lease from a background thread until the job ends."""

    def __init__(self, job: Job, *, every: dt.timedelta | None = None) -> None:
        self.job = job
        self.every = (every or heartbeat_interval()).total_seconds()
        self.lost = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-{job.pk}-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stopped.set()
        self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stopped.wait(self.every):
                try:
                    renewed = renew_lease(self.job)
                except Exception:  # the database may be away for a moment; the next beat tries again
                    logger.exception("job %s: lease renewal failed", self.job.pk)
                    continue
                if not renewed:
                    self.lost.set()
                    logger.warning("job %s (%s) lost its lease to another worker", self.job.pk, self.job.task)
                    return
        finally:
            connection.close()  # this thread's own connection


def run_job(job: Job) -> bool:
    """Run a claimed job while a heartbeat renews its lease; record success, or failure with a retry.

    True when it succeeded and this attempt still owned the job; an attempt that lost its lease records nothing.
    """
    with Heartbeat(job):
        try:
            function = _load(job.task)
            function(**job.arguments)
        except Exception as error:
            logger.exception("job %s (%s) failed", job.pk, job.task)
            _record_failure(job, error=traceback.format_exc(limit=20), reason=_reason(error))
            return False
    if not _owned(job).update(
        status=JobStatus.DONE, finished_at=timezone.now(), error="", lease_expires_at=None
    ):
        logger.warning("job %s (%s) finished after losing its lease: not marked done", job.pk, job.task)
        return False
    return True


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _record_failure(job: Job, *, error: str, reason: str) -> None:
    now = timezone.now()
    if job.attempts < job.max_attempts:
        backoff = dt.timedelta(seconds=30 * 2 ** (job.attempts - 1))
        updated = _owned(job).update(
            status=JobStatus.QUEUED,
            run_after=now + backoff,
            error=error,
            claimed_by="",
            lease_token="",
            lease_expires_at=None,
        )
    else:
        with transaction.atomic():
            updated = _owned(job).update(
                status=JobStatus.FAILED, finished_at=now, error=error, lease_expires_at=None
            )
            if updated:
                _call_failure_hook(job, reason)
    if not updated:
        logger.warning("job %s (%s) failed after losing its lease: not recorded", job.pk, job.task)


def _call_failure_hook(job: Job, reason: str) -> None:
    """Run the task's `on_failure` hook in a savepoint; a broken hook is logged and leaves the job failed."""
    try:
        options = task_options(import_string(job.task))
    except ImportError:
        return
    if options is None or options.on_failure is None:
        return
    try:
        with transaction.atomic():
            options.on_failure(reason, **job.arguments)
    except Exception:
        logger.exception("job %s (%s): the failure hook failed", job.pk, job.task)


def _lease_expired(now: dt.datetime) -> Q:
    # Jobs claimed before leases existed have none: their claim time counts.
    return Q(lease_expires_at__lt=now) | Q(
        lease_expires_at__isnull=True, claimed_at__lt=now - lease_duration()
    )


def recover_expired_jobs(*, now: dt.datetime | None = None) -> int:
    """Jobs whose lease ran out (the worker died) go back to the queue, or fail once out of attempts."""
    now = now or timezone.now()
    expired = Job.objects.filter(_lease_expired(now), status=JobStatus.RUNNING)
    count = 0
    for job in expired.filter(attempts__gte=F("max_attempts")):
        with transaction.atomic():
            if (
                _owned(job)
                .filter(_lease_expired(now))
                .update(
                    status=JobStatus.FAILED, finished_at=now, error=LEASE_LOST_REASON, lease_expires_at=None
                )
            ):
                _call_failure_hook(job, LEASE_LOST_REASON)
                count += 1
    return count + expired.update(
        status=JobStatus.QUEUED, claimed_by="", lease_token="", lease_expires_at=None, error=LEASE_LOST_REASON
    )


def job_requeue(job: Job) -> bool:
    """Queue a failed job again with fresh attempts. False when it is no longer failed."""
    return bool(
        Job.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
            status=JobStatus.QUEUED,
            run_after=timezone.now(),
            attempts=0,
            claimed_by="",
            lease_token="",
            finished_at=None,
        )
    )


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
                Job.objects.create(
                    task=periodic_task.name,
                    arguments={},
                    run_after=now,
                    max_attempts=1,
                    queue=periodic_task.queue,
                )
        except IntegrityError:
            continue
        queued.append(periodic_task.name)
    return queued


@dataclass(frozen=True)
class PurgeResult:
    done_jobs: int
    failed_jobs: int
    scheduled_runs: int


def jobs_purge(*, now: dt.datetime | None = None) -> PurgeResult:
    """Delete finished jobs after HANDSCHLAG_JOBS_KEEP_DONE_DAYS (done) or …_KEEP_FAILED_DAYS (failed), and slot
    rows of periodic tasks once their slot is long past (workers only ever insert the current slot)."""
    now = now or timezone.now()
    keep_done = dt.timedelta(days=settings.HANDSCHLAG_JOBS_KEEP_DONE_DAYS)
    keep_failed = dt.timedelta(days=settings.HANDSCHLAG_JOBS_KEEP_FAILED_DAYS)
    longest_slot = max((periodic.every for periodic in periodic_tasks()), default=dt.timedelta(0))
    keep_slots = max(keep_done, 2 * longest_slot)
    done, _ = Job.objects.filter(status=JobStatus.DONE, finished_at__lt=now - keep_done).delete()
    failed, _ = Job.objects.filter(status=JobStatus.FAILED, finished_at__lt=now - keep_failed).delete()
    slots, _ = ScheduledRun.objects.filter(slot__lt=now - keep_slots).delete()
    return PurgeResult(done_jobs=done, failed_jobs=failed, scheduled_runs=slots)


@periodic(every=dt.timedelta(hours=1), queue=JobQueue.BULK)
def jobs_purge_task() -> None:
    result = jobs_purge()
    if result.done_jobs or result.failed_jobs or result.scheduled_runs:
        logger.info("jobs purged: %s", result)


@periodic(every=dt.timedelta(days=1), queue=JobQueue.BULK)
def retention_enforce_task() -> None:
    """Delete what is older than its retention period (settings on the data protection page)."""
    from handschlag.core.privacy import retention_enforce

    deleted = retention_enforce()
    if any(deleted.values()):
        logger.info("retention: deleted %s", deleted)


@periodic(every=dt.timedelta(hours=1), queue=JobQueue.BULK)
def weekly_digest_task() -> None:
    """Monday mornings: each user's weekly summary of his home page (core/weekly_digest.py)."""
    from handschlag.core.weekly_digest import weekly_digests_send

    sent = weekly_digests_send()
    if sent:
        logger.info("weekly summaries sent: %d", sent)


def discover_tasks() -> None:
    autodiscover_modules("tasks")


def run_pending_jobs(
    *, worker: str = "inline", limit: int = 1000, queues: Collection[str] | None = None
) -> int:
    """Run due jobs in this process until none is left; for commands and tests. Returns how many ran."""
    count = 0
    while count < limit:
        job = claim_next_job(worker=worker, queues=queues)
        if job is None:
            return count
        run_job(job)
        count += 1
    return count


@periodic(every=dt.timedelta(minutes=15), queue=JobQueue.BULK)
def notification_digests_task() -> None:
    """The daily digest of notifications (core/notifications.py): bulk, as mail to many users may take a while
    and must never delay an escalation. Idempotent: each user's digest of a day is one row, sent once."""
    result = notification_digests_send_as_system()
    if result.sent or result.failed:
        logger.info("notification digests: %s sent, failed for users %s", result.sent, result.failed)
