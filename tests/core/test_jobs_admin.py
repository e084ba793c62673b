"""Failed jobs for administrators: the page and the API, list and retry; everyone else is refused and changes
nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone, translation

from handschlag.core import tasks
from handschlag.core.enums import JobQueue, JobStatus, Role
from handschlag.core.models import AuditEvent, Job
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db

TRACEBACK = 'Traceback (most recent call last):\n  File "x.py", line 1\nRuntimeError: line contains NUL\n'
NOT_ADMINS = [role for role in ALL_ROLES if role != Role.ADMIN]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def failed_job(**fields) -> Job:
    defaults = {
        "task": "handschlag.accounts.tasks.import_run_execute_task",
        "arguments": {"import_run_id": 7},
        "status": JobStatus.FAILED,
        "attempts": 3,
        "max_attempts": 3,
        "run_after": timezone.now() - dt.timedelta(hours=1),
        "finished_at": timezone.now() - dt.timedelta(minutes=5),
        "error": TRACEBACK,
    }
    return Job.objects.create(**{**defaults, **fields})


def refused(role: str) -> set[int]:
    """Internal users get 403; partner users 403 today and 404 once internal routes hide from them (issue 9)."""
    return {403, 404} if role == Role.PARTNER_USER else {403}


def state(job: Job) -> tuple[str, int]:
    job.refresh_from_db()
    return job.status, job.attempts


class TestPage:
    def test_admin_sees_failed_jobs_with_arguments_attempts_and_error(self, page_as, admin_user):
        job = failed_job()
        Job.objects.create(task="other.done_task", status=JobStatus.DONE, run_after=timezone.now())

        response = page_as(admin_user).get("/settings/jobs/")

        assert response.status_code == 200
        content = response.content.decode()
        assert "handschlag.accounts.tasks.import_run_execute_task" in content
        assert "{&#x27;import_run_id&#x27;: 7}" in content
        assert "3 / 3" in content
        assert "<summary>RuntimeError: line contains NUL</summary>" in content
        assert f'action="/settings/jobs/{job.pk}/retry/"' in content
        assert "other.done_task" not in content

    def test_other_statuses_can_be_listed(self, page_as, admin_user):
        Job.objects.create(task="other.done_task", status=JobStatus.DONE, run_after=timezone.now())

        content = page_as(admin_user).get("/settings/jobs/", {"status": "done"}).content.decode()

        assert "other.done_task" in content
        assert "/retry/" not in content

    def test_the_page_speaks_german(self, page_as, admin_user):
        failed_job()
        admin_user.language = "de"
        admin_user.save(update_fields=["language"])

        content = page_as(admin_user).get("/settings/jobs/").content.decode()

        assert "<h1>Hintergrundaufträge</h1>" in content
        assert "Erneut ausführen" in content
        assert "Letzter Fehler" in content

    def test_retry_queues_the_job_again_and_is_audited(self, page_as, admin_user):
        job = failed_job()

        response = page_as(admin_user).post(f"/settings/jobs/{job.pk}/retry/")

        assert (response.status_code, response["Location"]) == (302, "/settings/jobs/?status=failed")
        assert state(job) == (JobStatus.QUEUED, 0)
        event = AuditEvent.objects.get(action="job.retry")
        assert (event.actor, event.target_id) == (admin_user, str(job.pk))

    def test_retrying_a_job_that_is_not_failed_changes_nothing(self, page_as, admin_user):
        job = failed_job(status=JobStatus.DONE, attempts=1)

        response = page_as(admin_user).post(f"/settings/jobs/{job.pk}/retry/", follow=True)

        assert (
            "Nur ein fehlgeschlagener Hintergrundauftrag kann erneut ausgeführt werden."
            in response.content.decode()
        )
        assert state(job) == (JobStatus.DONE, 1)
        assert not AuditEvent.objects.filter(action="job.retry").exists()

    def test_retry_needs_post_and_csrf(self, admin_user):
        job = failed_job()
        client = Client(enforce_csrf_checks=True)
        client.force_login(admin_user)

        assert client.get(f"/settings/jobs/{job.pk}/retry/").status_code == 405
        assert client.post(f"/settings/jobs/{job.pk}/retry/").status_code == 403
        assert state(job) == (JobStatus.FAILED, 3)

    @pytest.mark.parametrize("role", NOT_ADMINS)
    def test_others_may_neither_see_nor_retry(self, page_as, make_user, role):
        job = failed_job()
        client = page_as(make_user(role))

        assert client.get("/settings/jobs/").status_code in refused(role)
        assert client.post(f"/settings/jobs/{job.pk}/retry/").status_code in refused(role)
        assert state(job) == (JobStatus.FAILED, 3)
        assert not AuditEvent.objects.filter(action="job.retry").exists()

    def test_unknown_jobs_are_not_found(self, page_as, admin_user):
        assert page_as(admin_user).post("/settings/jobs/999999/retry/").status_code == 404

    def test_query_count_does_not_grow_with_the_jobs(
        self, page_as, admin_user, django_assert_max_num_queries
    ):
        client = page_as(admin_user)
        failed_job()
        with django_assert_max_num_queries(20) as few:
            client.get("/settings/jobs/")
        for _index in range(20):
            failed_job()
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get("/settings/jobs/")


class TestApi:
    def test_admin_lists_failed_jobs(self, api_as, admin_user):
        job = failed_job()
        Job.objects.create(task="other.done_task", status=JobStatus.DONE, run_after=timezone.now())

        response = api_as(admin_user).get("/api/v1/jobs", status="failed")

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 1
        assert body["items"] == [
            {
                "id": job.pk,
                "task": "handschlag.accounts.tasks.import_run_execute_task",
                "arguments": {"import_run_id": 7},
                "queue": JobQueue.BULK,
                "status": "failed",
                "attempts": 3,
                "max_attempts": 3,
                "run_after": body["items"][0]["run_after"],
                "finished_at": body["items"][0]["finished_at"],
                "error": TRACEBACK,
            }
        ]

    def test_an_unknown_status_is_a_validation_error(self, api_as, admin_user):
        response = api_as(admin_user).get("/api/v1/jobs", status="stuck")

        assert response.status_code in {400, 422}

    def test_admin_retries_a_failed_job(self, api_as, admin_user):
        job = failed_job()

        response = api_as(admin_user).post(f"/api/v1/jobs/{job.pk}/retry")

        assert response.status_code == 200
        assert (response.json()["status"], response.json()["attempts"]) == ("queued", 0)
        assert state(job) == (JobStatus.QUEUED, 0)

    def test_retrying_a_queued_job_is_a_conflict(self, api_as, admin_user):
        job = failed_job(status=JobStatus.QUEUED, attempts=0)

        response = api_as(admin_user).post(f"/api/v1/jobs/{job.pk}/retry")

        assert response.status_code == 409
        assert state(job) == (JobStatus.QUEUED, 0)

    @pytest.mark.parametrize("role", NOT_ADMINS)
    def test_others_are_refused_and_change_nothing(self, api_as, make_user, role):
        job = failed_job()
        client = api_as(make_user(role))

        assert client.get("/api/v1/jobs", status="failed").status_code in refused(role)
        assert client.post(f"/api/v1/jobs/{job.pk}/retry").status_code in refused(role)
        assert state(job) == (JobStatus.FAILED, 3)


def test_a_retried_job_runs_again(api_as, admin_user):
    """End to end: the retried job is claimed and run by the queue like any other."""
    job = failed_job(task=tasks.task_name(tasks.jobs_purge_task), arguments={})

    api_as(admin_user).post(f"/api/v1/jobs/{job.pk}/retry")

    assert tasks.run_pending_jobs() == 1
    assert state(job) == (JobStatus.DONE, 1)
