"""A partner user uploads his own list (encoded or in clear) for a new mapping run of his agreement, from the
portal, with the same checks as ours; another partner's user gets 404 and nothing is created."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from handschlag.core.tasks import run_pending_jobs
from handschlag.mapping.enums import MappingStatus
from handschlag.mapping.models import MappingRun
from tests.mapping.helpers import PARTNER_CSV, opted_in_agreement, our_accounts, rules_patch, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user: Any) -> dict[str, Any]:
    manager = make_user(Role.PARTNER_MANAGER)
    partner_user = make_user(Role.PARTNER_USER, language="en")
    other = make_user(Role.PARTNER_USER, language="en")
    our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=partner_user)
    other_agreement = opted_in_agreement(manager=manager, partner_user=other)
    return {
        "manager": manager,
        "partner_user": partner_user,
        "other": other,
        "agreement": agreement,
        "other_agreement": other_agreement,
    }


def _post(client: Any, agreement_id: int, content: str | bytes, **fields: Any) -> Any:
    data = {"source": "clear", "default_population": "customer", "file": upload(content), **fields}
    return client.post(f"/portal/agreements/{agreement_id}/upload/", data)


def test_the_partner_user_uploads_his_list_and_follows_its_progress(
    world: dict[str, Any], page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = page_as(world["partner_user"])
    assert 'data-testid="portal-upload"' in client.get("/portal/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(client, world["agreement"].pk, PARTNER_CSV)
    run = MappingRun.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/portal/uploads/{run.pk}/"
    assert (run.agreement, run.created_by, run.status) == (
        world["agreement"],
        world["partner_user"],
        MappingStatus.QUEUED,
    )
    waiting = client.get(f"/portal/uploads/{run.pk}/").content.decode()
    assert "<progress" in waiting
    run_pending_jobs()
    done = client.get(f"/portal/uploads/{run.pk}/").content.decode()
    assert 'data-status="done"' in done
    assert f'href="/portal/mappings/{run.pk}/"' in done
    assert "Our accounts" not in done  # never our counts
    overlap = client.get(f"/portal/mappings/{run.pk}/?our=customer&theirs=customer").content.decode()
    assert "Alpha Antriebe GmbH" in overlap
    assert "Stuttgart" in overlap
    assert "Nur Bei Uns" not in overlap


def test_an_encoded_file_made_with_another_secret_fails_with_a_clear_message(
    world: dict[str, Any], page_as: Any, django_capture_on_commit_callbacks: Any, tmp_path: Any
) -> None:
    from tests.mapping.test_runs import _encoded_partner_file

    client = page_as(world["partner_user"])
    content = _encoded_partner_file(tmp_path, b"another-secret-of-at-least-16-bytes")
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, world["agreement"].pk, content, source="encoded")
    run_pending_jobs()
    run = MappingRun.objects.get()
    assert run.status == MappingStatus.FAILED
    page = client.get(f"/portal/uploads/{run.pk}/").content.decode()
    assert "was encoded with another secret than this agreement" in page
    assert "Nothing was mapped." in page


def test_an_encoded_file_with_the_agreements_secret_is_mapped(
    world: dict[str, Any], page_as: Any, django_capture_on_commit_callbacks: Any, tmp_path: Any
) -> None:
    from tests.mapping.test_runs import _encoded_partner_file

    client = page_as(world["partner_user"])
    content = _encoded_partner_file(tmp_path, world["agreement"].mapping_secret.encode())
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, world["agreement"].pk, content, source="encoded")
    run_pending_jobs()
    assert MappingRun.objects.get().status == MappingStatus.DONE


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "The submitted file is empty."), (PARTNER_CSV, "at most 0.0 MB are accepted")],
)
def test_a_bad_upload_is_refused_on_the_form_and_nothing_is_created(
    world: dict[str, Any], page_as: Any, settings: Any, content: Any, message: str
) -> None:
    if content:
        settings.HANDSCHLAG_IMPORT_MAX_BYTES = 10
    answer = _post(page_as(world["partner_user"]), world["agreement"].pk, content)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert MappingRun.objects.count() == 0


def test_no_upload_before_both_sides_agreed(world: dict[str, Any], page_as: Any) -> None:
    from handschlag.mapping.services import sharing_rules_set

    sharing_rules_set(  # changing the rules withdraws both opt-ins
        actor=world["manager"],
        agreement=world["agreement"],
        patch=rules_patch({"prospect": {"level": "counts"}}),
    )
    client = page_as(world["partner_user"])
    assert 'data-testid="portal-upload"' not in client.get("/portal/").content.decode()
    before = AuditEvent.objects.count()
    answer = _post(client, world["agreement"].pk, PARTNER_CSV)
    assert answer.status_code == 302
    assert "Both sides must agree" in client.get("/portal/").content.decode()
    assert MappingRun.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_another_partners_user_gets_404_and_nothing_is_created(
    world: dict[str, Any], page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _post(page_as(world["partner_user"]), world["agreement"].pk, PARTNER_CSV)
    run = MappingRun.objects.get()
    other = page_as(world["other"])
    before = (AuditEvent.objects.count(), MappingRun.objects.count())
    assert _post(other, world["agreement"].pk, PARTNER_CSV).status_code == 404
    assert other.get(f"/portal/uploads/{run.pk}/").status_code == 404
    assert (AuditEvent.objects.count(), MappingRun.objects.count()) == before


@pytest.mark.parametrize("role", [Role.PARTNER_MANAGER, Role.SELLER, Role.MANAGEMENT])
def test_our_people_do_not_upload_through_the_portal(
    world: dict[str, Any], page_as: Any, make_user: Any, role: str
) -> None:
    client = page_as(make_user(role))
    assert _post(client, world["agreement"].pk, PARTNER_CSV).status_code == 404
    assert MappingRun.objects.count() == 0


def test_a_run_our_manager_started_is_not_an_upload_of_the_partner(
    world: dict[str, Any], page_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.mapping.helpers import run_mapping

    run = run_mapping(
        django_capture_on_commit_callbacks, actor=world["manager"], agreement=world["agreement"]
    )
    client = page_as(world["partner_user"])
    assert client.get(f"/portal/uploads/{run.pk}/").status_code == 404
    assert client.get(f"/portal/mappings/{run.pk}/").status_code == 200


def test_the_portal_shows_sharing_rules_as_labels_in_german(world: dict[str, Any], page_as: Any) -> None:
    client = page_as(world["partner_user"])
    with translation.override("en"):
        english = client.get("/portal/").content.decode()
    assert "<td>Customer</td><td>Overlapping accounts</td><td>City, Our account owner</td>" in english
    assert "<td>Former customer</td><td>Hidden</td><td>—</td>" in english
    world["partner_user"].language = "de"
    world["partner_user"].save(update_fields=["language"])
    german = client.get("/portal/").content.decode()
    assert "<td>Ehemaliger Kunde</td><td>Verborgen</td>" in german
    text = re.sub(r"<[^>]+>", " ", german)  # what a person reads, without markup
    assert not re.search(r"\b(customer|former_customer|open_opportunity|prospect|hidden|counts)\b", text)
