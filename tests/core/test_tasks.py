"""The database-backed job queue: enqueue after commit, exclusive claims, retries, stale jobs, periodic slots."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from handschlag.core import tasks
from handschlag.core.enums import JobStatus
from handschlag.core.models import Job, ScheduledRun

pytestmark = pytest.mark.django_db

CALLS: list[dict[str, object]] = []


@tasks.task
def record(**arguments: object) -> None:
    CALLS.append(arguments)


@tasks.task
def explode(**arguments: object) -> None:
    raise RuntimeError("boom")


def not_a_task(**arguments: object) -> None:
    CALLS.append(arguments)


@pytest.fixture(autouse=True)
def _clean_calls():
    CALLS.clear()
    yield
    CALLS.clear()


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


class TestEnqueue:
    def test_job_is_written_only_after_commit(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            tasks.enqueue(record, account_id=7)
            assert not Job.objects.exists()

        assert len(callbacks) == 1
        callbacks[0]()
        job = Job.objects.get()
        assert (job.task, job.arguments, job.status) == (
            "tests.core.test_tasks.record",
            {"account_id": 7},
            "queued",
        )

    def test_rolled_back_transaction_writes_no_job(self, django_capture_on_commit_callbacks):
        def enqueue_then_fail() -> None:
            with transaction.atomic():
                tasks.enqueue(record, account_id=7)
                raise ZeroDivisionError

        with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ZeroDivisionError):
            enqueue_then_fail()

        assert callbacks == []
        assert not Job.objects.exists()

    def test_non_task_functions_are_refused(self, django_capture_on_commit_callbacks):
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(ValueError, match="is not a @task"),
        ):
            tasks.enqueue(not_a_task, x=1)

        assert not Job.objects.exists()

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

    def test_eager_mode_runs_at_commit(self, settings, django_capture_on_commit_callbacks):
        settings.HANDSCHLAG_TASKS_EAGER = True

        with django_capture_on_commit_callbacks(execute=True):
            tasks.enqueue(record, n=3)

        assert CALLS == [{"n": 3}]
        assert Job.objects.get().status == JobStatus.DONE


class TestClaimAndRun:
    def test_claim_is_exclusive(self):
        job = make_job()

        first = tasks.claim_job(job.pk, worker="a")
        second = tasks.claim_job(job.pk, worker="b")

        assert first is not None
        assert second is None
        job.refresh_from_db()
        assert (job.status, job.claimed_by, job.attempts) == (JobStatus.RUNNING, "a", 1)

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
        assert (job.status, job.error, CALLS) == (JobStatus.DONE, "", [{"n": 2}])
        assert job.finished_at is not None

    def test_failure_retries_with_backoff_then_fails(self):
        job = make_job(explode, max_attempts=3)
        backoffs = []
        for _attempt in range(3):
            Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
            claimed = tasks.claim_job(job.pk, worker="w")
            before = timezone.now()
            assert tasks.run_job(claimed) is False
            claimed.refresh_from_db()
            backoffs.append((claimed.status, round((claimed.run_after - before).total_seconds() / 30)))

        assert backoffs == [(JobStatus.QUEUED, 1), (JobStatus.QUEUED, 2), (JobStatus.FAILED, 0)]
        job.refresh_from_db()
        assert job.attempts == 3
        assert "RuntimeError: boom" in job.error
        assert tasks.claim_job(job.pk, worker="w") is None

    def test_run_pending_jobs_runs_what_is_due(self):
        make_job(arguments={"n": 1})
        make_job(arguments={"n": 2})
        make_job(arguments={"n": 3}, run_after=timezone.now() + dt.timedelta(hours=1))

        assert tasks.run_pending_jobs() == 2
        assert CALLS == [{"n": 1}, {"n": 2}]


class TestStaleJobs:
    def test_stale_running_jobs_are_requeued_or_failed(self):
        long_ago = timezone.now() - dt.timedelta(hours=1)
        stale = make_job(status=JobStatus.RUNNING, claimed_at=long_ago, claimed_by="dead", attempts=1)
        exhausted = make_job(status=JobStatus.RUNNING, claimed_at=long_ago, attempts=3, max_attempts=3)
        fresh = make_job(status=JobStatus.RUNNING, claimed_at=timezone.now(), attempts=1)

        assert tasks.requeue_stale_jobs() == 2

        states = dict(Job.objects.values_list("pk", "status"))
        assert states == {
            stale.pk: JobStatus.QUEUED,
            exhausted.pk: JobStatus.FAILED,
            fresh.pk: JobStatus.RUNNING,
        }
        stale.refresh_from_db()
        assert stale.claimed_by == ""


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
        assert set(Job.objects.values_list("max_attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
class TestConcurrency:
    def run_in_threads(self, function, count: int = 2) -> list[object]:
        barrier = threading.Barrier(count)
        results: list[object] = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                barrier.wait(timeout=10)
                results.append(function())
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=work) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        return results

    def test_two_workers_enqueue_one_periodic_job(self, postgres_only, one_periodic_task):
        now = timezone.now()

        results = self.run_in_threads(lambda: tasks.enqueue_due_periodic_tasks(now=now))

        assert sorted(len(queued) for queued in results) == [0, 1]
        assert Job.objects.filter(task=one_periodic_task).count() == 1

    def test_two_workers_claim_one_job_once(self, postgres_only):
        job = make_job()

        results = self.run_in_threads(lambda: tasks.claim_next_job(worker=threading.current_thread().name))

        assert sorted(result is not None for result in results) == [False, True]
        job.refresh_from_db()
        assert job.attempts == 1
