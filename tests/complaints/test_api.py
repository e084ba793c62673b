"""Complaints API against every role; attachments with bad inputs. A denied request changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from handschlag.complaints.enums import ComplaintCategory
from handschlag.complaints.models import Complaint, ComplaintAttachment, RoutingRule
from handschlag.complaints.services.cases import complaint_create
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from tests.complaints.conftest import complaint_data, complaint_input
from tests.conftest import ALL_ROLES, INTERNAL_ROLES

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"0" * 100


def snapshot():
    return (
        list(Complaint.objects.order_by("pk").values_list("pk", "status", "owner_id", "updated_at")),
        AuditEvent.objects.filter(action__startswith="complaint").count(),
        ComplaintAttachment.objects.count(),
    )


@pytest.fixture
def case(org):
    return complaint_create(
        actor=org.seller,
        data=complaint_input(
            org.account,
        ),
    )


class TestVisibility:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_unrelated_users_see_only_what_their_role_allows(self, api_as, make_user, case, role):
        response = api_as(make_user(role)).get("/api/v1/complaints")

        if role == Role.PARTNER_USER:
            assert response.status_code == 404
            assert api_as(make_user(role)).get(f"/api/v1/complaints/{case.pk}").status_code == 404
        elif role in {Role.MANAGEMENT, Role.ADMIN}:
            assert [item["id"] for item in response.json()["items"]] == [case.pk]
        else:  # a stranger to the case: not his account, not his department
            assert response.json()["count"] == 0
            assert api_as(make_user(role)).get(f"/api/v1/complaints/{case.pk}").status_code == 404

    def test_seller_sees_the_cases_of_his_accounts_only(self, api_as, org, case):
        assert api_as(org.seller).get(f"/api/v1/complaints/{case.pk}").status_code == 200
        assert api_as(org.other_seller).get(f"/api/v1/complaints/{case.pk}").status_code == 404

    def test_process_owners_see_their_departments_cases(self, api_as, org, case):
        body = api_as(org.head).get("/api/v1/complaints", queue="department").json()
        assert [item["id"] for item in body["items"]] == [case.pk]
        assert api_as(org.quality_head).get(f"/api/v1/complaints/{case.pk}").status_code == 404

    def test_partner_user_gets_404_on_every_complaint_resource(self, api_as, partner_user, case):
        client = api_as(partner_user)
        before = snapshot()
        for method, path, body in [
            ("get", f"/api/v1/complaints/{case.pk}/comments", None),
            ("post", f"/api/v1/complaints/{case.pk}/comments", {"text": "hallo"}),
            ("patch", f"/api/v1/complaints/{case.pk}/steps/D3", {"done": True}),
            ("post", f"/api/v1/complaints/{case.pk}/pause", {"reason": "x"}),
            ("post", "/api/v1/complaints", {**complaint_data(), "account_id": case.account_id}),
            ("get", "/api/v1/complaints/figures", None),
        ]:
            response = getattr(client, method)(path, body) if body is not None else client.get(path)
            assert response.status_code == 404, (method, path)
        assert snapshot() == before


class TestCreate:
    def payload(self, org, **overrides):
        return {**complaint_data(), "account_id": org.account.pk, **overrides}

    @pytest.mark.parametrize("role", INTERNAL_ROLES)
    def test_who_may_record(self, api_as, make_user, org, role):
        response = api_as(make_user(role)).post("/api/v1/complaints", self.payload(org))

        if role == Role.MARKETING:
            assert response.status_code == 403
            assert Complaint.objects.count() == 0
        else:
            assert response.status_code == 201, response.json()
            assert response.json()["owner_id"] == org.owner.pk

    def test_seller_records_the_case_and_it_lands_with_production(self, api_as, org):
        response = api_as(org.seller).post(
            "/api/v1/complaints",
            self.payload(org, cancellation_threat=True, cancellation_deadline="2026-03-02T18:00:00+01:00"),
        )

        body = response.json()
        assert response.status_code == 201
        assert (body["owner_id"], body["department_id"], body["in_triage"]) == (
            org.owner.pk,
            org.production.pk,
            False,
        )
        assert body["revenue_at_risk"] == "200000.00"
        assert [clock["clock"] for clock in body["clocks"]] == [
            "first_response",
            "containment",
            "resolution",
            "deadline",  # the customer's cancellation deadline (docs/adr/0201 §9)
        ]

    def test_invalid_fields_get_the_error_shape(self, api_as, org):
        response = api_as(org.seller).post(
            "/api/v1/complaints", self.payload(org, severity="apocalyptic", title="")
        )

        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) >= {"severity", "title"}
        assert Complaint.objects.count() == 0

    def test_unknown_account(self, api_as, org):
        response = api_as(org.seller).post("/api/v1/complaints", self.payload(org, account_id=999999))

        assert response.status_code == 400
        assert "account_id" in response.json()["error"]["fields"]


class TestWork:
    def test_seller_may_comment_but_not_work_the_case(self, api_as, org, case):
        client = api_as(org.seller)
        assert (
            client.post(f"/api/v1/complaints/{case.pk}/comments", {"text": "Bitte dringend"}).status_code
            == 201
        )
        before = snapshot()

        assert client.patch(f"/api/v1/complaints/{case.pk}/steps/D3", {"done": True}).status_code == 403
        assert client.post(f"/api/v1/complaints/{case.pk}/close", {"summary": "x"}).status_code == 403
        assert client.post(f"/api/v1/complaints/{case.pk}/pause", {"reason": "x"}).status_code == 403
        assert (
            client.post(f"/api/v1/complaints/{case.pk}/assign", {"owner_id": org.seller.pk}).status_code
            == 403
        )
        assert snapshot() == before

    def test_owner_works_d3_pauses_and_closes(self, api_as, org, case):
        client = api_as(org.owner)

        step = client.patch(
            f"/api/v1/complaints/{case.pk}/steps/D3",
            {"done": True, "owner_id": org.head.pk, "notes": "gesperrt"},
        )
        assert step.status_code == 200
        assert step.json()["owner_id"] == org.head.pk
        assert (
            client.post(f"/api/v1/complaints/{case.pk}/pause", {"reason": "Muster"}).json()["paused"] is True
        )
        assert client.post(f"/api/v1/complaints/{case.pk}/pause", {"reason": "Muster"}).status_code == 409
        assert client.post(f"/api/v1/complaints/{case.pk}/resume").json()["paused"] is False
        closed = client.post(f"/api/v1/complaints/{case.pk}/close", {"summary": "Ersatz geliefert"}).json()
        assert closed["status"] == "closed"
        states = {clock["clock"]: clock["state"] for clock in closed["clocks"]}
        assert states == {"first_response": "met", "containment": "met", "resolution": "met"}

    def test_figures_for_owners_and_management(self, api_as, org, case):
        body = api_as(org.management).get("/api/v1/complaints/figures").json()

        assert body["cases"] == 1
        assert body["open_by_department"] == [{"department": "Produktion", "open": 1}]
        assert api_as(org.seller).get("/api/v1/complaints/figures").status_code == 404


class TestRoutingRulesApi:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_only_admins_manage_rules(self, api_as, make_user, org, role):
        client = api_as(make_user(role))
        payload = {"category": "delivery", "department_id": org.quality.pk}

        listed = client.get("/api/v1/routing-rules")
        created = client.post("/api/v1/routing-rules", payload)

        if role == Role.ADMIN:
            assert listed.status_code == 200
            assert created.status_code == 201
            assert RoutingRule.objects.filter(category="delivery").count() == 1
        else:
            refused = 404 if role == Role.PARTNER_USER else 403  # partner users may not know the route
            assert listed.status_code == refused
            assert created.status_code == refused
            assert RoutingRule.objects.filter(category="delivery").count() == 0

    def test_duplicate_active_rule_and_seller_owner_are_refused(self, api_as, admin_user, org):
        client = api_as(admin_user)

        duplicate = client.post(
            "/api/v1/routing-rules", {"category": "quality", "department_id": org.quality.pk}
        )
        seller_owner = client.post(
            "/api/v1/routing-rules",
            {"category": "service", "department_id": org.quality.pk, "process_owner_id": org.seller.pk},
        )

        assert duplicate.status_code == 400
        assert seller_owner.status_code == 400
        assert "process_owner_id" in seller_owner.json()["error"]["fields"]
        assert RoutingRule.objects.count() == 1

    def test_update_and_delete(self, api_as, admin_user, org):
        client = api_as(admin_user)
        assert (
            client.patch(f"/api/v1/routing-rules/{org.rule.pk}", {"plant": "Werk Ulm"}).json()["plant"]
            == "Werk Ulm"
        )
        assert client.delete(f"/api/v1/routing-rules/{org.rule.pk}").status_code == 204
        assert not RoutingRule.objects.exists()
        assert complaint_create(
            actor=org.seller, data=complaint_input(org.account, category=ComplaintCategory.QUALITY)
        ).in_triage


class TestAttachments:
    def upload(self, api_as, user, case, name, content, content_type="image/jpeg"):
        return api_as(user).post(
            f"/api/v1/complaints/{case.pk}/attachments",
            files={"file": SimpleUploadedFile(name, content, content_type=content_type)},
        )

    @pytest.mark.parametrize(
        ("name", "content", "expected_type", "stored_suffix"),
        [
            ("risse.jpg", JPEG, "image/jpeg", ".jpg"),
            ("foto.png", PNG, "image/png", ".png"),
            ("pruefbericht.pdf", PDF, "application/pdf", ".pdf"),
            ("foto.jpg", PNG, "image/png", ".png"),  # the content decides, not the name
        ],
    )
    def test_photos_and_pdfs_are_stored_under_generated_names(
        self, api_as, org, case, name, content, expected_type, stored_suffix
    ):
        response = self.upload(api_as, org.seller, case, name, content)

        assert response.status_code == 201, response.json()
        attachment = ComplaintAttachment.objects.get()
        assert attachment.content_type == expected_type
        assert attachment.original_name == name
        assert attachment.file.name == f"complaints/{attachment.uuid.hex}{stored_suffix}"

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("rechnung.jpg", b"MZ\x90\x00 this is an executable renamed to jpg"),
            ("notiz.jpg", b"<html><script>alert(1)</script></html>"),
            ("leer.jpg", b""),
        ],
    )
    def test_wrong_type_and_empty_files_are_refused(self, api_as, org, case, name, content):
        before = snapshot()

        response = self.upload(api_as, org.seller, case, name, content)

        assert response.status_code == 400
        assert (
            "attachments" in response.json()["error"]["fields"]
            or "file" in response.json()["error"]["fields"]
        )
        assert snapshot() == before

    def test_too_big_is_refused(self, api_as, org, case, settings):
        settings.HANDSCHLAG_COMPLAINT_ATTACHMENT_MAX_BYTES = 1000
        before = snapshot()

        response = self.upload(api_as, org.seller, case, "gross.jpg", JPEG + b"\x00" * 1000)

        assert response.status_code == 400
        assert "gross.jpg" in response.json()["error"]["fields"]["attachments"][0]
        assert snapshot() == before

    @pytest.mark.parametrize(
        "name", ["../../etc/passwd.jpg", "..\\..\\windows\\win.ini.jpg", "/abs/path/foto.jpg", "a\x00b.jpg"]
    )
    def test_path_traversal_names_never_reach_the_disk(self, api_as, org, case, name, settings, tmp_path):
        response = self.upload(api_as, org.seller, case, name, JPEG)

        assert response.status_code == 201
        attachment = ComplaintAttachment.objects.get()
        assert "/" not in attachment.original_name
        assert "\\" not in attachment.original_name
        assert ".." not in attachment.original_name.replace("...", "")
        stored = settings.MEDIA_ROOT / attachment.file.name
        assert stored.exists()
        assert stored.parent == settings.MEDIA_ROOT / "complaints"

    def test_served_only_to_users_who_see_the_case(self, api_as, page_as, org, case, partner_user):
        self.upload(api_as, org.seller, case, "risse.jpg", JPEG)
        attachment = ComplaintAttachment.objects.get()
        path = f"/complaints/{case.pk}/attachments/{attachment.pk}/"

        response = page_as(org.owner).get(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == JPEG
        assert page_as(org.other_seller).get(path).status_code == 404
        assert page_as(partner_user).get(path).status_code == 404
        api_path = f"/api/v1/complaints/{case.pk}/attachments/{attachment.pk}/content"
        assert api_as(org.other_seller).get(api_path).status_code == 404
        assert api_as(org.seller).get(api_path).status_code == 200


def test_check_upload_reads_only_the_head():
    from handschlag.complaints.attachments import check_upload

    upload = SimpleUploadedFile("x.pdf", PDF)
    checked = check_upload(upload)
    assert checked.content_type == "application/pdf"
    assert upload.tell() == 0
    assert io.BytesIO(PDF).read(5) == b"%PDF-"


def test_a_list_row_is_the_case_as_its_detail_answers_it(api_as, org):
    # given two cases on one account, the later one with two orders and a cancellation threat
    orders = sorted(org.account.orders.values_list("pk", flat=True))[:2]
    complaint_create(actor=org.seller, data=complaint_input(org.account))
    complaint_create(
        actor=org.seller,
        data=complaint_input(org.account, order_ids=orders, cancellation_threat=True),
    )
    client = api_as(org.management)

    # when the list is read (its rows are made without django-ninja's per-field getter)
    items = client.get("/api/v1/complaints").json()["items"]

    # then every row is the same JSON as the detail of that case (the Schema's own path)
    assert len(items) == 2
    assert any(item["order_ids"] == orders for item in items)
    assert all(item["clocks"] for item in items)
    for item in items:
        assert item == client.get(f"/api/v1/complaints/{item['id']}").json()
