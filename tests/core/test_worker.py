"""The worker loop (`handschlag worker`): one pass, --once, --max-iterations, stopping on a signal, queues, and
an escalation that runs on time while bulk jobs fill the bulk lane."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from handschlag.core import tasks
from handschlag.core.enums import JobQueue, JobStatus
from handschlag.core.models import Job
from handschlag.core.worker import Worker

pytestmark = pytest.mark.django_db

CALLS: list[str] = []
RELEASE_BULK = threading.Event()


@tasks.task(queue=JobQueue.CRITICAL)
def critical_job(*, label: str) -> None:
    CALLS.append(label)


@tasks.task
def bulk_job(*, label: str) -> None:
    CALLS.append(label)


@tasks.task
def long_bulk_job(*, label: str) -> None:
    CALLS.append(f"{label} started")
    RELEASE_BULK.wait(timeout=20)


@tasks.task(queue=JobQueue.CRITICAL)
def stop_the_worker() -> None:
    CALLS.append("stop")
    os.kill(os.getpid(), signal.SIGTERM)


@tasks.task(queue=JobQueue.CRITICAL)
def escalation() -> None:
    CALLS.append("escalation")


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    CALLS.clear()
    RELEASE_BULK.clear()
    monkeypatch.setattr(tasks, "_periodic_tasks", {})
    monkeypatch.setattr(tasks, "discover_tasks", lambda: None)
    yield
    RELEASE_BULK.set()
    CALLS.clear()


def queue(function, **arguments) -> Job:
    return tasks.enqueue(function, **arguments)


def run_command(*args: str) -> str:
    stdout = io.StringIO()
    call_command("worker", *args, stdout=stdout)
    return stdout.getvalue()


def status_of(job: Job) -> str:
    job.refresh_from_db()
    return job.status


class TestOnePass:
    def test_one_pass_runs_one_critical_job_and_queues_the_periodic_slots(self, monkeypatch):
        name = tasks.task_name(escalation)
        monkeypatch.setattr(
            tasks, "_periodic_tasks", {name: tasks.PeriodicTask(name=name, every=dt.timedelta(minutes=5))}
        )
        first = queue(critical_job, label="first")
        second = queue(critical_job, label="second")

        worked = Worker(name="w", queues=[JobQueue.CRITICAL]).run_once()

        assert worked is True
        assert CALLS == ["first"]
        assert (status_of(first), status_of(second)) == (JobStatus.DONE, JobStatus.QUEUED)
        assert Job.objects.filter(task=name, status=JobStatus.QUEUED).count() == 1

    def test_an_idle_pass_reports_no_work(self):
        assert Worker(name="w", queues=[JobQueue.CRITICAL]).run_once() is False

    def test_a_pass_takes_back_jobs_whose_lease_ran_out(self):
        job = tasks.claim_job(queue(critical_job, label="x").pk, worker="dead")
        Job.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))

        Worker(name="w", queues=[JobQueue.CRITICAL]).run_once()

        job.refresh_from_db()
        assert (job.status, job.claimed_by, job.attempts, CALLS) == (JobStatus.DONE, "w", 2, ["x"])


class TestCommand:
    def test_max_iterations_runs_the_queued_job_and_stops(self):
        job = queue(critical_job, label="one")

        output = run_command("--queues", "critical", "--max-iterations", "1", "--sleep", "0")

        assert CALLS == ["one"]
        assert status_of(job) == JobStatus.DONE
        assert "started (critical)" in output
        assert "stopped" in output

    def test_once_runs_everything_due_critical_first(self):
        queue(bulk_job, label="bulk")
        queue(critical_job, label="critical")
        later = tasks.enqueue(bulk_job, label="later", run_after=timezone.now() + dt.timedelta(hours=1))

        run_command("--once")

        assert CALLS == ["critical", "bulk"]
        assert status_of(later) == JobStatus.QUEUED

    def test_a_signal_stops_the_loop_after_the_running_job(self):
        queue(stop_the_worker)
        queue(critical_job, label="after the signal")
        previous = signal.getsignal(signal.SIGTERM)

        run_command("--queues", "critical", "--sleep", "0")  # would loop forever without the signal

        assert CALLS == ["stop"]
        assert Job.objects.filter(status=JobStatus.QUEUED).count() == 1
        assert signal.getsignal(signal.SIGTERM) == previous

    def test_unknown_queues_are_refused(self):
        with pytest.raises(CommandError, match="unknown queues: fast"):
            run_command("--queues", "critical,fast")


class TestQueues:
    def test_the_main_loop_runs_the_escalation_and_never_a_bulk_job(self, monkeypatch):
        bulk = [queue(bulk_job, label=f"import {number}") for number in range(5)]
        name = tasks.task_name(escalation)
        monkeypatch.setattr(
            tasks, "_periodic_tasks", {name: tasks.PeriodicTask(name=name, every=dt.timedelta(minutes=5))}
        )
        worker = Worker(name="w")  # both queues, but the bulk lane is not started here

        assert worker.run_once() is True
        assert worker.run_once() is False

        assert CALLS == ["escalation"]
        assert [status_of(job) for job in bulk] == [JobStatus.QUEUED] * 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestBulkLane:
    """Threads on one database: PostgreSQL (SQLite's shared in-memory test database locks whole tables)."""

    def test_the_escalation_runs_on_time_while_five_long_bulk_jobs_wait(self, postgres_only, monkeypatch):
        """Five long imports are queued before the escalation's slot starts; the escalation still runs at once."""
        bulk = [queue(long_bulk_job, label=f"import {number}") for number in range(5)]
        name = tasks.task_name(escalation)
        monkeypatch.setattr(
            tasks, "_periodic_tasks", {name: tasks.PeriodicTask(name=name, every=dt.timedelta(minutes=5))}
        )
        worker = Worker(name="w", sleep=0.02)
        loop = threading.Thread(target=worker.run)
        started = time.monotonic()
        loop.start()
        try:
            escalation_job = None
            while time.monotonic() - started < 5:
                escalation_job = Job.objects.filter(task=name, status=JobStatus.DONE).first()
                if escalation_job is not None and "import 0 started" in CALLS:
                    break
                time.sleep(0.02)
            waited = time.monotonic() - started
            states = [status_of(job) for job in bulk]
        finally:
            worker.stop()
            RELEASE_BULK.set()
            loop.join(timeout=20)

        assert escalation_job is not None
        assert waited < 2
        assert "escalation" in CALLS
        assert states == [JobStatus.RUNNING] + [JobStatus.QUEUED] * 4  # one bulk job at a time, in its lane
        assert not loop.is_alive()
        assert status_of(bulk[0]) == JobStatus.DONE  # stopping lets the running job finish
        assert [status_of(job) for job in bulk[1:]] == [JobStatus.QUEUED] * 4
