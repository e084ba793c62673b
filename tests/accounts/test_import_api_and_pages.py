"""Imports through the API and the pages, and the CSV export. A denied request changes nothing."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from handschlag.accounts.enums import ImportStatus
from handschlag.accounts.import_services import import_run_create
from handschlag.accounts.models import Account, ImportRun
from handschlag.core.enums import JobStatus, Role
from handschlag.core.models import AuditEvent, Job
from tests.conftest import ALL_ROLES
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

CAN_IMPORT = {Role.ADMIN, Role.MANAGEMENT}
GOOD = b"Kundennummer;Firma;Ort\nK-1;Alpha GmbH;Ulm\nK-2;Beta AG;K\xc3\xb6ln\n"
BAD = b"Id;Firma;PLZ\n" + b"".join(b"K-%d;;%d\n" % (index, index) for index in range(5))


def csv_file(content: bytes = GOOD, name: str = "export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


class TestImportApi:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_upload_by_role(self, api_as, make_user, role):
        response = api_as(make_user(role)).post(
            "/api/v1/imports", {"preset": "auto", "mode": "all_or_nothing"}, files={"file": csv_file()}
        )

        if role in CAN_IMPORT:
            assert response.status_code == 201, response.content
            body = response.json()
            assert (body["status"], body["created_count"], body["progress_percent"]) == ("done", 2, 100)
            assert body["column_mapping"] == {"external_id": "Kundennummer", "name": "Firma", "city": "Ort"}
            assert Account.objects.count() == 2
        else:
            assert response.status_code == (404 if role == Role.PARTNER_USER else 403)
            assert not ImportRun.objects.exists()
            assert not Account.objects.exists()
            assert not AuditEvent.objects.filter(action__startswith="import.").exists()

    def test_without_file_is_a_field_error(self, api_as, admin_user):
        response = api_as(admin_user).post("/api/v1/imports", {"mode": "good_rows"}, files={})

        assert response.status_code == 400
        assert "file" in response.json()["error"]["fields"]
        assert not ImportRun.objects.exists()

    def test_unknown_mode_is_a_field_error(self, api_as, admin_user):
        response = api_as(admin_user).post("/api/v1/imports", {"mode": "half"}, files={"file": csv_file()})

        assert response.status_code == 400
        assert "mode" in response.json()["error"]["fields"]
        assert not ImportRun.objects.exists()

    def test_over_the_size_limit(self, api_as, admin_user, settings):
        settings.HANDSCHLAG_IMPORT_MAX_BYTES = 10

        response = api_as(admin_user).post("/api/v1/imports", files={"file": csv_file()})

        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["file"]
        assert not ImportRun.objects.exists()

    def test_progress_of_a_queued_import(self, api_as, admin_user, settings):
        settings.HANDSCHLAG_IMPORT_INLINE_ROWS = 0
        client = api_as(admin_user)

        created = client.post("/api/v1/imports", files={"file": csv_file()}).json()
        progress = client.get(f"/api/v1/imports/{created['id']}").json()

        assert (created["status"], progress["status"]) == ("queued", "queued")
        assert (progress["processed_rows"], progress["progress_percent"], progress["finished_at"]) == (
            0,
            0,
            None,
        )

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_reading_a_run_by_role(self, api_as, make_user, admin_user, role):
        run = import_run_create(actor=admin_user, upload=csv_file(BAD))

        response = api_as(make_user(role)).get(f"/api/v1/imports/{run.pk}")
        errors = api_as(make_user(role)).get(f"/api/v1/imports/{run.pk}/errors")

        if role in CAN_IMPORT:
            assert (response.status_code, errors.status_code) == (200, 200)
            assert response.json()["status"] == "rejected"
        else:
            assert (response.status_code, errors.status_code) == (404, 404)

    def test_errors_are_paginated_in_line_order(self, api_as, admin_user):
        run = import_run_create(actor=admin_user, upload=csv_file(BAD))

        body = api_as(admin_user).get(f"/api/v1/imports/{run.pk}/errors", limit=2, offset=2).json()

        assert body["count"] == 5  # five rows without a name (their postal codes are not reported: left out)
        assert [(item["line"], item["field"]) for item in body["items"]] == [(4, "name"), (5, "name")]
        assert set(body["items"][0]) == {"line", "field", "value", "reason"}
        assert api_as(admin_user).get(f"/api/v1/imports/{run.pk}/warnings").json()["count"] == 0

    def test_errors_query_count_does_not_grow(self, api_as, admin_user, django_assert_max_num_queries):
        client = api_as(admin_user)
        few = import_run_create(actor=admin_user, upload=csv_file(b"Firma;PLZ\nA;1\n"))
        many = import_run_create(
            actor=admin_user,
            upload=csv_file(b"Firma;PLZ\n" + b"".join(b"A%d;1\n" % index for index in range(60))),
        )
        assert (few.warning_count, many.warning_count) == (1, 60)
        with django_assert_max_num_queries(10) as small:
            client.get(f"/api/v1/imports/{few.pk}/warnings", limit=500)
        with django_assert_max_num_queries(len(small.captured_queries)):
            client.get(f"/api/v1/imports/{many.pk}/warnings", limit=500)

    def test_import_good_rows(self, api_as, admin_user, django_capture_on_commit_callbacks):
        client = api_as(admin_user)
        content = BAD + b"K-9;Gute Firma;70173\n"
        run = import_run_create(actor=admin_user, upload=csv_file(content))

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/api/v1/imports/{run.pk}/import-good-rows")
        again = client.post(f"/api/v1/imports/{run.pk}/import-good-rows")

        assert response.status_code == 202
        assert response.json()["status"] == "queued"
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "conflict"
        assert Job.objects.exclude(status=JobStatus.DONE).count() == 1

    def test_import_good_rows_of_a_done_run_is_409(self, api_as, admin_user):
        run = import_run_create(actor=admin_user, upload=csv_file())

        response = api_as(admin_user).post(f"/api/v1/imports/{run.pk}/import-good-rows")

        assert response.status_code == 409
        assert ImportRun.objects.get(pk=run.pk).status == ImportStatus.DONE
        assert not Job.objects.exclude(status=JobStatus.DONE).exists()

    @pytest.mark.parametrize("role", [role for role in ALL_ROLES if role not in CAN_IMPORT])
    def test_import_good_rows_by_others_changes_nothing(self, api_as, make_user, admin_user, role):
        run = import_run_create(actor=admin_user, upload=csv_file(BAD))

        response = api_as(make_user(role)).post(f"/api/v1/imports/{run.pk}/import-good-rows")

        assert response.status_code == 404
        assert ImportRun.objects.get(pk=run.pk).status == ImportStatus.REJECTED
        assert not Job.objects.exclude(status=JobStatus.DONE).exists()


class TestImportPages:
    @pytest.fixture
    def admin_en(self, make_user):
        return make_user(Role.ADMIN, username="admin_en", language="en")

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_import_page_by_role(self, page_as, make_user, role):
        response = page_as(make_user(role)).get("/accounts/imports/")

        denied = 404 if role == Role.PARTNER_USER else 403
        assert response.status_code == (200 if role in CAN_IMPORT else denied)

    def test_upload_a_good_file_redirects_to_the_result(self, page_as, admin_en):
        client = page_as(admin_en)

        response = client.post(
            "/accounts/imports/", {"file": csv_file(), "preset": "auto", "mode": "all_or_nothing"}
        )
        run = ImportRun.objects.get()
        columns = client.get(response["Location"]).content.decode()
        # the page shows the detected columns first; nothing is imported before the user confirms them
        assert run.status == ImportStatus.COLUMNS
        assert not Account.objects.exists()
        assert 'id="import-columns"' in columns
        confirmed = client.post(
            f"/accounts/imports/{run.pk}/columns/",
            {"column-0": "external_id", "column-1": "name", "column-2": "city"},
        )
        detail = client.get(confirmed["Location"])

        assert response.status_code == 302
        assert response["Location"] == f"/accounts/imports/{run.pk}/"
        assert detail.status_code == 200
        assert 'data-status="done"' in detail.content.decode()
        assert '<dd data-testid="created">2</dd>' in detail.content.decode()

    def test_upload_over_the_limit_shows_the_message(self, page_as, admin_en, settings):
        settings.HANDSCHLAG_IMPORT_MAX_BYTES = 2 * 1048576
        big = csv_file(b"Firma\n" + b"x" * (3 * 1048576))

        response = page_as(admin_en).post(
            "/accounts/imports/", {"file": big, "preset": "auto", "mode": "good_rows"}
        )

        assert response.status_code == 400
        assert "The file is 3.0 MB; at most 2 MB are accepted." in response.content.decode()
        assert not ImportRun.objects.exists()

    def test_upload_of_an_old_xls_shows_the_message_on_the_result_page(self, page_as, admin_en):
        client = page_as(admin_en)
        xls = csv_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, name="kunden.xls")

        response = client.post(
            "/accounts/imports/", {"file": xls, "preset": "auto", "mode": "all_or_nothing"}, follow=True
        )

        assert response.status_code == 200
        assert (
            "kunden.xls is an old Excel file (.xls). Save it as .xlsx or CSV and upload it again."
            in response.content.decode()
        )

    def test_upload_without_a_file(self, page_as, admin_en):
        response = page_as(admin_en).post("/accounts/imports/", {"preset": "auto", "mode": "all_or_nothing"})

        assert response.status_code == 400
        assert "This field is required." in response.content.decode()

    def test_detail_lists_the_bad_rows_and_offers_the_good_rows(self, page_as, admin_en):
        run = import_run_create(actor=admin_en, upload=csv_file(BAD))

        content = page_as(admin_en).get(f"/accounts/imports/{run.pk}/").content.decode()

        bad_rows = content.split('id="bad-rows"', 1)[1]
        assert bad_rows.count("<td>Name</td>") == 5  # the field as the form labels it, not its code name
        assert "<td>Postal code</td>" not in bad_rows  # only the missing names make a row bad
        assert f'action="/accounts/imports/{run.pk}/import-good-rows/"' in content

    def test_bad_rows_name_the_fields_by_their_german_labels(self, page_as, make_user):
        admin_de = make_user(Role.ADMIN, username="admin_de", language="de")
        bad_vat = b"Firma;USt-IdNr.;PLZ\nKrause AG;DE123;1234x\n"
        with translation.override("de"):  # the reasons are written in the language of the import's request
            run = import_run_create(actor=admin_de, upload=csv_file(bad_vat))

        content = page_as(admin_de).get(f"/accounts/imports/{run.pk}/").content.decode()

        assert (
            'id="bad-rows"' not in content
        )  # the row has a name: it is imported, its bad fields are warnings
        warnings = content.split('id="row-warnings"', 1)[1]
        assert "<td>USt-IdNr.</td>" in warnings
        assert "<td>Postleitzahl</td>" in warnings
        assert "vat_id" not in warnings
        assert "postal_code" not in warnings
        assert "passt nicht zu den Postleitzahlen von DE; unverändert übernommen" in warnings

    def test_htmx_poll_gets_the_status_fragment(self, page_as, admin_en, settings):
        settings.HANDSCHLAG_IMPORT_INLINE_ROWS = 0
        run = import_run_create(actor=admin_en, upload=csv_file())

        response = page_as(admin_en).get(f"/accounts/imports/{run.pk}/", headers={"HX-Request": "true"})

        content = response.content.decode()
        assert content.lstrip().startswith('<section id="import-status"')
        assert "<html" not in content
        assert "HX-Refresh" not in response

    def test_htmx_poll_of_a_finished_run_refreshes_the_page(self, page_as, admin_en):
        run = import_run_create(actor=admin_en, upload=csv_file())

        response = page_as(admin_en).get(f"/accounts/imports/{run.pk}/", headers={"HX-Request": "true"})

        assert response["HX-Refresh"] == "true"

    @pytest.mark.parametrize("role", [role for role in ALL_ROLES if role not in CAN_IMPORT])
    def test_detail_and_good_rows_by_others_are_404(self, page_as, make_user, admin_user, role):
        run = import_run_create(actor=admin_user, upload=csv_file(BAD))
        client = page_as(make_user(role))

        assert client.get(f"/accounts/imports/{run.pk}/").status_code == 404
        assert client.post(f"/accounts/imports/{run.pk}/import-good-rows/").status_code == 404
        assert ImportRun.objects.get(pk=run.pk).status == ImportStatus.REJECTED

    def test_good_rows_button_on_a_done_run_shows_a_message(self, page_as, admin_en):
        run = import_run_create(actor=admin_en, upload=csv_file())

        response = page_as(admin_en).post(f"/accounts/imports/{run.pk}/import-good-rows/", follow=True)

        assert "Only a rejected import can be run again with its good rows." in response.content.decode()
        assert not Job.objects.exclude(status=JobStatus.DONE).exists()

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get("/accounts/imports/")

        assert response.status_code == 302
        assert response["Location"] == "/login/?next=/accounts/imports/"


def export(client, **query) -> tuple[list[list[str]], str]:
    response = client.get("/accounts/export.csv", query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content).decode("utf-8")
    assert raw.startswith("\ufeff")
    delimiter = ";" if raw.splitlines()[0].count(";") > raw.splitlines()[0].count(",") else ","
    return list(csv.reader(io.StringIO(raw[1:]), delimiter=delimiter)), delimiter


class TestCsvExport:
    def test_formula_injection_is_neutralised(self, page_as, seller):
        AccountFactory(
            name='=HYPERLINK("http://evil.example","Klick")',
            city="+49 711",
            street="-1+1",
            industry="@SUM(A1:A9)",
            tags="\tTab",
            legal_form="",
            external_id="",
        )

        rows, _delimiter = export(page_as(seller))

        row = rows[1]
        assert row[1] == '\'=HYPERLINK("http://evil.example","Klick")'
        assert row[5] == "'-1+1"
        assert row[7] == "'+49 711"
        assert row[10] == "'@SUM(A1:A9)"
        assert row[15] == "'\tTab"

    def test_german_semicolon_and_decimal_comma(self, page_as, seller):
        AccountFactory(name="Alpha", annual_revenue=Decimal("1234567.50"), employees=250, owner=seller)

        rows, delimiter = export(page_as(seller))

        assert delimiter == ";"
        assert rows[0][1] == "Name"
        assert rows[1][1] == "Alpha"
        assert rows[1][11:15] == [
            "250",
            "1234567,50",
            "",
            seller.get_full_name(),
        ]  # the owner's name, not login

    def test_english_comma_and_decimal_point(self, page_as, make_user):
        user = make_user(Role.MARKETING, language="en")
        AccountFactory(name="Alpha", annual_revenue=Decimal("1234567.50"))

        rows, delimiter = export(page_as(user))

        assert delimiter == ","
        assert rows[1][12] == "1234567.50"

    def test_export_follows_the_filters(self, page_as, seller):
        AccountFactory(name="Alpha", city="Ulm")
        AccountFactory(name="Beta", city="Köln")

        rows, _delimiter = export(page_as(seller), q="ulm")

        assert [row[1] for row in rows[1:]] == ["Alpha"]

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_export_by_role(self, page_as, make_user, role):
        AccountFactory()

        response = page_as(make_user(role)).get("/accounts/export.csv")

        assert response.status_code == (404 if role == Role.PARTNER_USER else 200)

    def test_query_count_does_not_grow_with_rows(self, page_as, seller, django_assert_max_num_queries):
        client = page_as(seller)
        AccountFactory.create_batch(3, owner=seller)
        with django_assert_max_num_queries(20) as small:
            export(client)
        AccountFactory.create_batch(30, owner=seller)
        with django_assert_max_num_queries(len(small.captured_queries)):
            export(client)
