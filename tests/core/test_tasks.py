"""The database-backed job queue: jobs written in the caller's transaction, exclusive claims, leases and
heartbeats, owner-checked completion, retries, the failure hook, queues, periodic slots, purging."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from handschlag.core import tasks
from handschlag.core.enums import JobQueue, JobStatus
from handschlag.core.models import Job, ScheduledRun

pytestmark = pytest.mark.django_db

CALLS: list[dict[str, object]] = []
FAILURES: list[tuple[str, dict[str, object]]] = []


@tasks.task
def record(**arguments: object) -> None:
    CALLS.append(arguments)


def remember_failure(reason: str, **arguments: object) -> None:
    FAILURES.append((reason, arguments))


@tasks.task(on_failure=remember_failure)
def explode(**arguments: object) -> None:
    raise RuntimeError("boom")


def broken_hook(reason: str, **arguments: object) -> None:
    raise LookupError("the hook itself is broken")


@tasks.task(on_failure=broken_hook, max_attempts=1)
def explode_with_broken_hook(**arguments: object) -> None:
    raise RuntimeError("boom")


@tasks.task(queue=JobQueue.CRITICAL, max_attempts=5)
def urgent(**arguments: object) -> None:
    CALLS.append(arguments)


@tasks.task(on_failure=remember_failure)
def slow(*, seconds: float) -> None:
    """A long job that, like a second worker would, keeps looking for expired leases while it runs."""
    recovered = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)
        recovered += tasks.recover_expired_jobs()
    CALLS.append({"recovered": recovered})


def not_a_task(**arguments: object) -> None:
    CALLS.append(arguments)


@pytest.fixture(autouse=True)
def _clean_calls():
    CALLS.clear()
    FAILURES.clear()
    yield
    CALLS.clear()
    FAILURES.clear()


@pytest.fixture
def one_periodic_task(monkeypatch):
    name = tasks.task_name(record)
    monkeypatch.setattr(
        tasks, "_periodic_tasks", {name: tasks.PeriodicTask(name=name, every=dt.timedelta(minutes=15))}
    )
    return name


def make_job(function=record, **fields) -> Job:
    defaults = {"task": tasks.task_name(function), "arguments": {"n": 1}, "run_after": timezone.now()}
    return Job.objects.create(**{**defaults, **fields})


def expire_lease(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))


class TestEnqueue:
    def test_the_job_row_is_written_in_the_callers_transaction(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
            job = tasks.enqueue(record, account_id=7)
            assert Job.objects.get() == job  # visible to the transaction that asked for it, before commit

        assert callbacks == []
        job = Job.objects.get()
        assert (job.task, job.arguments, job.status, job.queue, job.max_attempts) == (
            "tests.core.test_tasks.record",
            {"account_id": 7},
            "queued",
            "bulk",
            3,
        )

    def test_rolled_back_transaction_writes_no_job(self):
        def enqueue_then_fail() -> None:
            with transaction.atomic():
                tasks.enqueue(record, account_id=7)
                raise ZeroDivisionError

        with pytest.raises(ZeroDivisionError):
            enqueue_then_fail()

        assert not Job.objects.exists()

    def test_queue_and_attempts_come_from_the_task(self):
        job = tasks.enqueue(urgent, n=1)

        assert (job.queue, job.max_attempts) == (JobQueue.CRITICAL, 5)

    def test_non_task_functions_are_refused(self):
        with pytest.raises(ValueError, match="is not a @task"):
            tasks.enqueue(not_a_task, x=1)

        assert not Job.objects.exists()

    def test_a_task_is_enqueued_by_its_name_with_its_own_queue_and_attempts(self):
        # services enqueue by name, so that tasks import services and never the other way round
        job = tasks.enqueue("tests.core.test_tasks.urgent", n=1)

        assert (job.task, job.arguments, job.queue, job.max_attempts) == (
            "tests.core.test_tasks.urgent",
            {"n": 1},
            JobQueue.CRITICAL,
            5,
        )

    def test_a_name_that_is_no_task_is_refused(self):
        with pytest.raises(ValueError, match="is not a @task"):
            tasks.enqueue("tests.core.test_tasks.not_a_task", x=1)
        with pytest.raises(ImportError):
            tasks.enqueue("tests.core.test_tasks.no_such_function", x=1)

        assert not Job.objects.exists()

    def test_unknown_queues_are_refused(self):
        with pytest.raises(ValueError, match="unknown queue"):
            tasks.task(queue="fast")

    def test_a_job_naming_a_non_task_fails_instead_of_running_it(self):
        job = tasks.claim_job(make_job(not_a_task, max_attempts=1).pk, worker="w")

        assert tasks.run_job(job) is False
        assert CALLS == []
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        assert "is not a @task" in job.error

    def test_arguments_must_be_json_safe(self):
        with pytest.raises(TypeError):
            tasks.enqueue(record, when=dt.date(2026, 1, 1))

        assert not Job.objects.exists()

    def test_eager_mode_runs_at_commit(self, settings, django_capture_on_commit_callbacks):
        settings.HANDSCHLAG_TASKS_EAGER = True

        with django_capture_on_commit_callbacks(execute=True):
            tasks.enqueue(record, n=3)
            assert CALLS == []

        assert CALLS == [{"n": 3}]
        assert Job.objects.get().status == JobStatus.DONE


class TestClaimAndRun:
    def test_claim_is_exclusive_and_starts_a_lease(self):
        job = make_job()

        before = timezone.now()
        first = tasks.claim_job(job.pk, worker="a")
        second = tasks.claim_job(job.pk, worker="b")

        assert first is not None
        assert second is None
        job.refresh_from_db()
        assert (job.status, job.claimed_by, job.attempts) == (JobStatus.RUNNING, "a", 1)
        assert len(job.lease_token) == 32
        assert (job.lease_expires_at - before).total_seconds() == pytest.approx(120, abs=2)

    def test_each_claim_gets_its_own_lease_token(self):
        job = make_job()
        first = tasks.claim_job(job.pk, worker="a")
        Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)

        second = tasks.claim_job(job.pk, worker="a")

        assert first.lease_token != second.lease_token

    def test_claim_next_takes_the_oldest_due_job(self):
        now = timezone.now()
        later = make_job(run_after=now + dt.timedelta(hours=1))
        newer = make_job(run_after=now - dt.timedelta(minutes=1))
        older = make_job(run_after=now - dt.timedelta(minutes=5))

        assert tasks.claim_next_job(worker="w").pk == older.pk
        assert tasks.claim_next_job(worker="w").pk == newer.pk
        assert tasks.claim_next_job(worker="w") is None
        later.refresh_from_db()
        assert later.status == JobStatus.QUEUED

    def test_success(self):
        job = tasks.claim_job(make_job(arguments={"n": 2}).pk, worker="w")

        assert tasks.run_job(job) is True
        job.refresh_from_db()
        assert (job.status, job.error, CALLS, job.lease_expires_at) == (JobStatus.DONE, "", [{"n": 2}], None)
        assert job.finished_at is not None

    def test_failure_retries_with_backoff_then_fails_and_calls_the_hook_once(self):
        job = make_job(explode, max_attempts=3, arguments={"import_run_id": 4})
        backoffs = []
        for _attempt in range(3):
            Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
            claimed = tasks.claim_job(job.pk, worker="w")
            before = timezone.now()
            assert tasks.run_job(claimed) is False
            claimed.refresh_from_db()
            backoffs.append((claimed.status, round((claimed.run_after - before).total_seconds() / 30)))
            if claimed.status == JobStatus.QUEUED:
                assert (claimed.claimed_by, claimed.lease_token) == ("", "")

        assert backoffs == [(JobStatus.QUEUED, 1), (JobStatus.QUEUED, 2), (JobStatus.FAILED, 0)]
        job.refresh_from_db()
        assert job.attempts == 3
        assert "RuntimeError: boom" in job.error
        assert tasks.claim_job(job.pk, worker="w") is None
        assert FAILURES == [("RuntimeError: boom", {"import_run_id": 4})]

    def test_a_broken_failure_hook_still_leaves_the_job_failed(self):
        job = tasks.claim_job(make_job(explode_with_broken_hook, max_attempts=1).pk, worker="w")

        assert tasks.run_job(job) is False

        job.refresh_from_db()
        assert job.status == JobStatus.FAILED
        assert "RuntimeError: boom" in job.error

    def test_run_pending_jobs_runs_what_is_due(self):
        make_job(arguments={"n": 1})
        make_job(arguments={"n": 2})
        make_job(arguments={"n": 3}, run_after=timezone.now() + dt.timedelta(hours=1))

        assert tasks.run_pending_jobs() == 2
        assert CALLS == [{"n": 1}, {"n": 2}]


class TestQueues:
    def test_critical_jobs_are_claimed_before_older_bulk_jobs(self):
        now = timezone.now()
        bulk = [make_job(run_after=now - dt.timedelta(hours=1), queue=JobQueue.BULK) for _ in range(5)]
        critical = make_job(urgent, run_after=now, queue=JobQueue.CRITICAL)

        order = [tasks.claim_next_job(worker="w").pk for _ in range(6)]

        assert order == [critical.pk] + [job.pk for job in bulk]

    def test_a_worker_claims_only_from_its_queues(self):
        bulk = make_job(queue=JobQueue.BULK)
        critical = make_job(urgent, queue=JobQueue.CRITICAL)

        assert tasks.claim_next_job(worker="w", queues=[JobQueue.BULK]).pk == bulk.pk
        assert tasks.claim_next_job(worker="w", queues=[JobQueue.BULK]) is None
        assert tasks.claim_next_job(worker="w", queues=[JobQueue.CRITICAL]).pk == critical.pk

    def test_periodic_tasks_are_critical_unless_they_say_otherwise(self):
        from handschlag.complaints.tasks import complaint_escalations_task

        queues = {periodic.name: periodic.queue for periodic in tasks.periodic_tasks()}

        assert queues[tasks.task_name(complaint_escalations_task)] == JobQueue.CRITICAL
        assert queues[tasks.task_name(tasks.jobs_purge_task)] == JobQueue.BULK


class TestLeases:
    def test_a_worker_that_lost_its_lease_cannot_mark_the_job_done(self):
        job = make_job(arguments={"n": 1})
        first = tasks.claim_job(job.pk, worker="a")
        expire_lease(job)  # worker a stalls past its lease …
        assert tasks.recover_expired_jobs() == 1
        second = tasks.claim_job(job.pk, worker="b")  # … and worker b takes the job over

        assert tasks.run_job(first) is False  # a's late completion is refused

        job.refresh_from_db()
        assert (job.status, job.claimed_by, job.lease_token, job.attempts) == (
            JobStatus.RUNNING,
            "b",
            second.lease_token,
            2,
        )
        assert tasks.run_job(second) is True
        job.refresh_from_db()
        assert job.status == JobStatus.DONE

    def test_a_worker_that_lost_its_lease_cannot_fail_or_retry_the_job(self):
        job = make_job(explode, max_attempts=1)
        first = tasks.claim_job(job.pk, worker="a")
        expire_lease(job)
        Job.objects.filter(pk=job.pk).update(max_attempts=2)  # so the expiry queues it again
        tasks.recover_expired_jobs()
        second = tasks.claim_job(job.pk, worker="b")

        assert tasks.run_job(first) is False

        job.refresh_from_db()
        assert (job.status, job.claimed_by, job.lease_token) == (JobStatus.RUNNING, "b", second.lease_token)
        assert FAILURES == []

    def test_renewal_extends_the_lease_only_for_its_owner(self):
        job = tasks.claim_job(make_job().pk, worker="a")
        expire_lease(job)

        assert tasks.renew_lease(job) is True
        job.refresh_from_db()
        assert job.lease_expires_at > timezone.now() + dt.timedelta(seconds=100)

        stranger = Job.objects.get(pk=job.pk)
        stranger.lease_token = "0" * 32
        assert tasks.renew_lease(stranger) is False

    def test_expired_jobs_are_requeued_or_failed_with_the_hook(self):
        long_ago = timezone.now() - dt.timedelta(hours=1)
        expired = make_job(
            status=JobStatus.RUNNING,
            lease_expires_at=long_ago,
            claimed_by="dead",
            lease_token="a" * 32,
            attempts=1,
        )
        exhausted = make_job(
            explode,
            status=JobStatus.RUNNING,
            lease_expires_at=long_ago,
            lease_token="b" * 32,
            attempts=3,
            max_attempts=3,
            arguments={"mapping_run_id": 9},
        )
        from_before_leases = make_job(status=JobStatus.RUNNING, claimed_at=long_ago, attempts=1)
        renewed = make_job(
            status=JobStatus.RUNNING,
            claimed_at=long_ago,
            lease_expires_at=timezone.now() + dt.timedelta(minutes=1),
            attempts=1,
        )

        assert tasks.recover_expired_jobs() == 3

        states = dict(Job.objects.values_list("pk", "status"))
        assert states == {
            expired.pk: JobStatus.QUEUED,
            exhausted.pk: JobStatus.FAILED,
            from_before_leases.pk: JobStatus.QUEUED,
            renewed.pk: JobStatus.RUNNING,
        }
        expired.refresh_from_db()
        assert (expired.claimed_by, expired.lease_token, expired.error) == ("", "", tasks.LEASE_LOST_REASON)
        assert FAILURES == [(tasks.LEASE_LOST_REASON, {"mapping_run_id": 9})]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestHeartbeat:
    """Threads on one database: PostgreSQL (SQLite's shared in-memory test database locks whole tables)."""

    def test_a_job_running_longer_than_its_lease_is_not_taken_over(self, postgres_only, settings):
        settings.HANDSCHLAG_JOB_LEASE_SECONDS = 1.2  # renewed every 0.4 s
        job = tasks.claim_job(make_job(slow, arguments={"seconds": 3.0}).pk, worker="a")

        assert tasks.run_job(job) is True

        assert CALLS == [{"recovered": 0}]  # two and a half leases long, never seen as expired
        job.refresh_from_db()
        assert (job.status, job.attempts) == (JobStatus.DONE, 1)

    def test_without_the_heartbeat_the_same_job_would_be_taken_over(
        self, postgres_only, settings, monkeypatch
    ):
        settings.HANDSCHLAG_JOB_LEASE_SECONDS = 0.6
        monkeypatch.setattr(tasks, "heartbeat_interval", lambda: dt.timedelta(hours=1))
        job = tasks.claim_job(make_job(slow, arguments={"seconds": 1.5}).pk, worker="a")

        assert tasks.run_job(job) is False  # the takeover happened, and the late completion is refused

        assert CALLS == [{"recovered": 1}]
        job.refresh_from_db()
        assert (job.status, job.claimed_by) == (JobStatus.QUEUED, "")


class TestRequeue:
    def test_a_failed_job_is_queued_again_with_fresh_attempts(self):
        job = make_job(status=JobStatus.FAILED, attempts=3, finished_at=timezone.now(), error="boom")

        assert tasks.job_requeue(job) is True

        job.refresh_from_db()
        assert (job.status, job.attempts, job.finished_at) == (JobStatus.QUEUED, 0, None)
        assert job.error == "boom"  # kept until the next attempt ends

    @pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE])
    def test_only_failed_jobs_are_queued_again(self, status):
        job = make_job(status=status, attempts=1)

        assert tasks.job_requeue(job) is False

        job.refresh_from_db()
        assert (job.status, job.attempts) == (status, 1)


class TestPurge:
    def test_old_finished_jobs_and_slots_are_deleted(self, settings, one_periodic_task):
        settings.HANDSCHLAG_JOBS_KEEP_DONE_DAYS = 7
        settings.HANDSCHLAG_JOBS_KEEP_FAILED_DAYS = 30
        now = timezone.now()

        def finished(status: str, days: int) -> Job:
            return make_job(status=status, finished_at=now - dt.timedelta(days=days))

        kept = [
            finished(JobStatus.DONE, 6),
            finished(JobStatus.FAILED, 29),
            make_job(status=JobStatus.QUEUED, run_after=now - dt.timedelta(days=90)),
            make_job(status=JobStatus.RUNNING, claimed_at=now - dt.timedelta(days=90)),
        ]
        finished(JobStatus.DONE, 8)
        finished(JobStatus.FAILED, 31)
        ScheduledRun.objects.create(task=one_periodic_task, slot=now - dt.timedelta(days=8))
        recent_slot = ScheduledRun.objects.create(task=one_periodic_task, slot=now - dt.timedelta(days=1))

        result = tasks.jobs_purge(now=now)

        assert result == tasks.PurgeResult(done_jobs=1, failed_jobs=1, scheduled_runs=1)
        assert sorted(Job.objects.values_list("pk", flat=True)) == sorted(job.pk for job in kept)
        assert list(ScheduledRun.objects.values_list("pk", flat=True)) == [recent_slot.pk]

    def test_the_purge_runs_as_a_periodic_task(self):
        make_job(status=JobStatus.DONE, finished_at=timezone.now() - dt.timedelta(days=100))

        tasks.jobs_purge_task()

        assert not Job.objects.exists()


class TestPeriodic:
    def test_slots(self):
        every = dt.timedelta(minutes=15)
        at = dt.datetime(2026, 11, 23, 10, 29, 59, tzinfo=dt.UTC)

        assert tasks.slot_start(at, every) == dt.datetime(2026, 11, 23, 10, 15, tzinfo=dt.UTC)
        assert tasks.slot_start(at + dt.timedelta(seconds=1), every) == dt.datetime(
            2026, 11, 23, 10, 30, tzinfo=dt.UTC
        )

    def test_once_per_slot_even_when_called_twice(self, one_periodic_task):
        now = dt.datetime(2026, 11, 23, 10, 1, tzinfo=dt.UTC)

        first = tasks.enqueue_due_periodic_tasks(now=now)
        second = tasks.enqueue_due_periodic_tasks(now=now + dt.timedelta(minutes=5))
        next_slot = tasks.enqueue_due_periodic_tasks(now=now + dt.timedelta(minutes=15))

        assert (first, second, next_slot) == ([one_periodic_task], [], [one_periodic_task])
        assert Job.objects.filter(task=one_periodic_task).count() == 2
        assert ScheduledRun.objects.count() == 2
        assert set(Job.objects.values_list("max_attempts", "queue")) == {(1, JobQueue.CRITICAL)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrency:
    def run_in_threads(self, *functions) -> list[object]:
        barrier = threading.Barrier(len(functions))
        results: list[object] = [None] * len(functions)
        errors: list[BaseException] = []

        def work(index: int) -> None:
            try:
                barrier.wait(timeout=10)
                results[index] = functions[index]()
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(index,)) for index in range(len(functions))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        return results

    def test_two_workers_enqueue_one_periodic_job(self, postgres_only, one_periodic_task):
        now = timezone.now()

        results = self.run_in_threads(*[lambda: tasks.enqueue_due_periodic_tasks(now=now)] * 2)

        assert sorted(len(queued) for queued in results) == [0, 1]
        assert Job.objects.filter(task=one_periodic_task).count() == 1

    def test_two_workers_claim_one_job_once(self, postgres_only):
        job = make_job()

        results = self.run_in_threads(
            lambda: tasks.claim_next_job(worker="a"), lambda: tasks.claim_next_job(worker="b")
        )

        assert sorted(result is not None for result in results) == [False, True]
        job.refresh_from_db()
        assert job.attempts == 1

    def test_a_late_completion_and_a_takeover_race_with_one_winner(self, postgres_only):
        """Worker a finishes just as its expired lease is taken back: either a's completion or the recovery
        wins, never both (the job is not done and queued again)."""
        job = tasks.claim_job(make_job().pk, worker="a")
        expire_lease(job)

        completed, recovered = self.run_in_threads(lambda: tasks.run_job(job), tasks.recover_expired_jobs)

        job.refresh_from_db()
        assert (job.status, completed, recovered) in {(JobStatus.DONE, True, 0), (JobStatus.QUEUED, False, 1)}
