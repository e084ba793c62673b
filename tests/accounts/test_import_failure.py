"""An import whose job fails for the last time ends failed with the reason, never "writing" forever
(issue 9: a NUL byte after the first 64 KB once made the reader raise mid-file and left the run "writing")."""

from __future__ import annotations

import _csv
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from handschlag.accounts import importing
from handschlag.accounts.enums import ImportStatus
from handschlag.accounts.import_services import import_run_create
from handschlag.accounts.models import Account
from handschlag.accounts.tasks import import_run_execute_task
from handschlag.core import tasks
from handschlag.core.enums import JobStatus
from handschlag.core.models import AuditEvent, Job

pytestmark = pytest.mark.django_db

ROWS = 3_000  # about 80 KB: the bad line comes after the first 64 KB


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def reader_breaks_after_64_kb(monkeypatch):
    """The reader raises past the first 64 KB, as the csv module did on a NUL byte there."""
    parse_row = importing.parse_row

    def parse_or_break(line, cells, *args, **kwargs):
        if line > ROWS:
            raise _csv.Error("line contains NUL")
        return parse_row(line, cells, *args, **kwargs)

    monkeypatch.setattr(importing, "parse_row", parse_or_break)


def queued_import(actor):
    text = "Kundennummer;Firma;Ort\n" + "".join(f"K-{n};Firma {n} GmbH;Ulm\n" for n in range(ROWS + 10))
    assert len(text.encode()) > 64 * 1024
    run = import_run_create(actor=actor, upload=SimpleUploadedFile("crm.csv", text.encode()), start=False)
    tasks.enqueue(import_run_execute_task, import_run_id=run.pk)
    return run


def run_every_attempt() -> None:
    for _attempt in range(5):
        Job.objects.filter(status=JobStatus.QUEUED).update(run_after=timezone.now())  # skip the back-off
        tasks.run_pending_jobs()


def test_the_last_failed_attempt_leaves_the_import_failed_with_the_reason(
    admin_user, reader_breaks_after_64_kb
):
    run = queued_import(admin_user)

    tasks.run_pending_jobs()
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKING  # one attempt failed, the job will try again
    run_every_attempt()

    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert (
        run.message
        == "The import stopped with an error; nothing was imported. Reason: Error: line contains NUL"
    )
    assert run.finished_at is not None
    assert Account.objects.count() == 0
    job = Job.objects.get()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 3)
    assert AuditEvent.objects.filter(action="import.fail", target_id=str(run.pk)).count() == 1


def test_an_import_whose_worker_vanished_for_the_last_time_fails(admin_user):
    run = queued_import(admin_user)
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        attempts=3,
        lease_token="x" * 32,
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1),
    )

    tasks.recover_expired_jobs()

    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert tasks.LEASE_LOST_REASON in run.message


def test_a_finished_import_is_left_alone(admin_user):
    run = queued_import(admin_user)
    tasks.run_pending_jobs()
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE

    import_run_execute_task_failed = tasks.task_options(import_run_execute_task).on_failure
    import_run_execute_task_failed("RuntimeError: late", import_run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.message) == (ImportStatus.DONE, "")


def test_a_small_import_that_breaks_inside_its_request_is_left_to_the_worker(admin_user, monkeypatch):
    """A small file runs in the request, but as its job: the job committed with the run, so a crash there is
    retried by the worker instead of leaving the run waiting without a job."""
    execute = importing.parse_row
    calls = {"n": 0}

    def break_the_first_attempt(line, cells, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the request's process went away")
        return execute(line, cells, *args, **kwargs)

    monkeypatch.setattr(importing, "parse_row", break_the_first_attempt)
    text = "Kundennummer;Firma;Ort\nK-1;Firma Eins GmbH;Ulm\nK-2;Firma Zwei GmbH;Ulm\n"

    run = import_run_create(actor=admin_user, upload=SimpleUploadedFile("crm.csv", text.encode()))

    job = Job.objects.get()
    assert (job.status, job.attempts, job.arguments) == (JobStatus.QUEUED, 1, {"import_run_id": run.pk})
    run_every_attempt()
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert Account.objects.count() == 2
    assert Job.objects.get().status == JobStatus.DONE
