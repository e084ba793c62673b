"""Issue 11: the column mapping of an import — seen after the upload, changed or ignored per column, saved per
source under a name and used again; on the pages (German) and in the API; every role."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from handschlag.accounts.enums import ImportStatus
from handschlag.accounts.import_services import saved_column_mapping_save
from handschlag.accounts.models import Account, ImportRun, SavedColumnMapping
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db

CAN_IMPORT = {Role.ADMIN, Role.MANAGEMENT}
# a partner's export: its own customer number as "Debitor", the name as "Kunde", a remark nobody needs
EXPORT = "Debitor;Kunde;Ort;Bemerkung\n4711;Glanzwerk AG;Zürich;bitte anrufen\n4712;Alpen Solar AG;Bern;\n"


def csv_file(text: str = EXPORT, name: str = "glanzwerk.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


@pytest.fixture
def admin_de(make_user):
    return make_user(Role.ADMIN, username="admin_de", language="de")


class TestColumnsPage:
    def test_after_the_upload_the_detected_columns_are_shown_with_samples_in_german(self, page_as, admin_de):
        client = page_as(admin_de)

        response = client.post(
            "/accounts/imports/", {"file": csv_file(), "preset": "auto", "mode": "good_rows"}
        )
        run = ImportRun.objects.get()
        page = client.get(response["Location"]).content.decode()

        assert run.status == ImportStatus.COLUMNS
        assert not Account.objects.exists()
        assert "Spalten prüfen" in page
        assert "Mit diesen Spalten importieren" in page
        rows = page.split('id="import-columns"', 1)[1].split("</table>", 1)[0]
        # each column: its header, a sample value and the detected field (selected)
        debitor = rows.split('data-column="Debitor"', 1)[1].split("</tr>", 1)[0]
        assert "4711" in debitor
        assert '<option value="external_id" selected>CRM-Nummer</option>' in debitor
        remark = rows.split('data-column="Bemerkung"', 1)[1].split("</tr>", 1)[0]
        assert "bitte anrufen" in remark
        assert '<option value="" selected>— Spalte ignorieren —</option>' in remark

    def test_change_and_ignore_columns_and_save_them_for_the_source(self, page_as, admin_de):
        client = page_as(admin_de)
        client.post("/accounts/imports/", {"file": csv_file(), "preset": "auto", "mode": "good_rows"})
        run = ImportRun.objects.get()

        response = client.post(
            f"/accounts/imports/{run.pk}/columns/",
            {
                "column-0": "external_id",
                "column-1": "name",
                "column-2": "",  # Ort ignored
                "column-3": "industry",  # the remark read as industry
                "save_as": "Partner Glanzwerk export",
            },
        )

        run.refresh_from_db()
        assert response.status_code == 302
        assert run.status == ImportStatus.DONE
        assert run.column_mapping == {"external_id": "Debitor", "name": "Kunde", "industry": "Bemerkung"}
        assert list(
            Account.objects.order_by("name").values_list("external_id", "name", "city", "industry")
        ) == [
            ("4712", "Alpen Solar AG", "", ""),
            ("4711", "Glanzwerk AG", "", "bitte anrufen"),
        ]
        saved = SavedColumnMapping.objects.get()
        assert saved.name == "Partner Glanzwerk export"
        assert saved.columns == {
            "Debitor": "external_id",
            "Kunde": "name",
            "Ort": "",
            "Bemerkung": "industry",
        }
        assert run.saved_mapping == saved
        assert AuditEvent.objects.filter(action="import_mapping.create", target_id=str(saved.pk)).exists()

    def test_a_saved_mapping_is_used_again_for_the_next_upload(self, page_as, admin_de):
        saved = saved_column_mapping_save(
            actor=admin_de, name="Partner Glanzwerk export", columns={"Ort": "", "Bemerkung": "industry"}
        )
        client = page_as(admin_de)

        upload_page = client.get("/accounts/imports/").content.decode()
        response = client.post(
            "/accounts/imports/",
            {"file": csv_file(), "preset": "auto", "mode": "good_rows", "saved_mapping": str(saved.pk)},
        )
        page = client.get(response["Location"]).content.decode()

        assert "Partner Glanzwerk export" in upload_page
        city = page.split('data-column="Ort"', 1)[1].split("</tr>", 1)[0]
        assert '<option value="" selected>' in city
        remark = page.split('data-column="Bemerkung"', 1)[1].split("</tr>", 1)[0]
        assert '<option value="industry" selected>' in remark

    def test_apply_a_saved_mapping_on_the_columns_page(self, page_as, admin_de):
        saved = saved_column_mapping_save(actor=admin_de, name="Ohne Ort", columns={"Ort": ""})
        client = page_as(admin_de)
        client.post("/accounts/imports/", {"file": csv_file(), "preset": "auto", "mode": "good_rows"})
        run = ImportRun.objects.get()

        page = client.get(f"/accounts/imports/{run.pk}/", {"saved": saved.pk}).content.decode()

        city = page.split('data-column="Ort"', 1)[1].split("</tr>", 1)[0]
        assert '<option value="" selected>' in city

    def test_no_name_column_is_refused_with_a_message_and_nothing_runs(self, page_as, admin_de):
        client = page_as(admin_de)
        client.post("/accounts/imports/", {"file": csv_file(), "preset": "auto", "mode": "good_rows"})
        run = ImportRun.objects.get()

        response = client.post(
            f"/accounts/imports/{run.pk}/columns/", {"column-1": "", "column-0": "external_id"}
        )

        run.refresh_from_db()
        assert response.status_code == 400
        assert "Keine Spalte für den Firmennamen" in response.content.decode()
        assert run.status == ImportStatus.COLUMNS
        assert not Account.objects.exists()

    def test_two_columns_for_one_field_are_refused(self, page_as, admin_de):
        client = page_as(admin_de)
        client.post("/accounts/imports/", {"file": csv_file(), "preset": "auto", "mode": "good_rows"})
        run = ImportRun.objects.get()

        response = client.post(
            f"/accounts/imports/{run.pk}/columns/", {"column-1": "name", "column-3": "name"}
        )

        assert response.status_code == 400
        assert "Zwei Spalten sind „Name“ zugeordnet" in response.content.decode()

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_columns_page_and_confirmation_by_role(self, page_as, make_user, admin_user, role):
        page_as(admin_user).post(
            "/accounts/imports/", {"file": csv_file(), "preset": "auto", "mode": "good_rows"}
        )
        run = ImportRun.objects.get()
        client = page_as(make_user(role))

        page = client.get(f"/accounts/imports/{run.pk}/")
        confirm = client.post(f"/accounts/imports/{run.pk}/columns/", {"column-1": "name"})

        run.refresh_from_db()
        if role in CAN_IMPORT:
            assert page.status_code == 200
            assert confirm.status_code == 302
            assert run.status == ImportStatus.DONE
        else:
            expected = 404 if role == Role.PARTNER_USER else 403
            assert (page.status_code, confirm.status_code) in {(expected, expected), (404, 404)}
            assert run.status == ImportStatus.COLUMNS
            assert not Account.objects.exists()
            assert "Glanzwerk" not in page.content.decode()

    def test_delete_a_saved_mapping(self, page_as, admin_de, make_user):
        saved = saved_column_mapping_save(actor=admin_de, name="Alt", columns={"Kunde": "name"})

        denied = page_as(make_user(Role.SELLER)).post(f"/accounts/imports/column-mappings/{saved.pk}/delete/")
        response = page_as(admin_de).post(f"/accounts/imports/column-mappings/{saved.pk}/delete/")

        assert denied.status_code == 404
        assert response.status_code == 302
        assert not SavedColumnMapping.objects.exists()
        assert AuditEvent.objects.filter(action="import_mapping.delete").count() == 1


class TestColumnsApi:
    def test_upload_with_an_explicit_mapping(self, api_as, admin_user):
        columns = {"Debitor": "external_id", "Ort": "", "Bemerkung": "industry"}

        response = api_as(admin_user).post(
            "/api/v1/imports",
            {"mode": "good_rows", "columns": json.dumps(columns)},
            files={"file": csv_file()},
        )

        body = response.json()
        assert response.status_code == 201, body
        assert body["status"] == "done"
        assert body["column_mapping"] == {"external_id": "Debitor", "name": "Kunde", "industry": "Bemerkung"}
        assert body["requested_columns"] == columns
        assert sorted(Account.objects.values_list("city", flat=True)) == ["", ""]

    def test_upload_with_a_saved_mapping_by_name_or_id(self, api_as, admin_user):
        saved = saved_column_mapping_save(
            actor=admin_user, name="Partner Glanzwerk export", columns={"Ort": ""}
        )
        client = api_as(admin_user)

        by_name = client.post(
            "/api/v1/imports", {"saved_mapping": "partner glanzwerk export"}, files={"file": csv_file()}
        ).json()
        by_id = client.post(
            "/api/v1/imports", {"saved_mapping": str(saved.pk)}, files={"file": csv_file()}
        ).json()

        assert by_name["saved_mapping_id"] == by_id["saved_mapping_id"] == saved.pk
        assert "city" not in by_name["column_mapping"]
        assert by_id["unchanged_count"] == 2

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"saved_mapping": "gibt es nicht"}, "saved_mapping"),
            ({"columns": "{not json"}, "columns"),
            ({"columns": json.dumps({"Kunde": "name", "Ort": "name"})}, "columns"),
            ({"columns": json.dumps({"Kunde": "shoe_size"})}, "columns"),
        ],
    )
    def test_bad_mappings_are_field_errors_and_store_nothing(self, api_as, admin_user, data, field):
        response = api_as(admin_user).post("/api/v1/imports", data, files={"file": csv_file()})

        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]
        assert not ImportRun.objects.exists()

    def test_confirm_columns_flow_with_samples_and_save(self, api_as, admin_user):
        client = api_as(admin_user)
        created = client.post(
            "/api/v1/imports", {"confirm_columns": "true"}, files={"file": csv_file()}
        ).json()

        columns = client.get(f"/api/v1/imports/{created['id']}/columns").json()
        confirmed = client.post(
            f"/api/v1/imports/{created['id']}/columns",
            {"columns": {"Bemerkung": "industry"}, "save_as": "Partner Glanzwerk export"},
        )
        again = client.post(f"/api/v1/imports/{created['id']}/columns", {"columns": {}})

        assert created["status"] == "columns"
        assert columns == [
            {"column": "Debitor", "field": "external_id", "sample": "4711"},
            {"column": "Kunde", "field": "name", "sample": "Glanzwerk AG"},
            {"column": "Ort", "field": "city", "sample": "Zürich"},
            {"column": "Bemerkung", "field": "", "sample": "bitte anrufen"},
        ]
        assert confirmed.status_code == 202
        assert confirmed.json()["status"] == "done"
        assert confirmed.json()["column_mapping"]["industry"] == "Bemerkung"
        assert again.status_code == 409
        assert SavedColumnMapping.objects.get().columns == {"Bemerkung": "industry"}

    def test_saved_mappings_list_save_replace_delete(self, api_as, admin_user):
        client = api_as(admin_user)

        first = client.post(
            "/api/v1/imports/column-mappings", {"name": "Glanzwerk", "columns": {"Kunde": "name"}}
        )
        replaced = client.post(
            "/api/v1/imports/column-mappings", {"name": "glanzwerk", "columns": {"Kunde": "name", "Ort": ""}}
        )
        listed = client.get("/api/v1/imports/column-mappings").json()
        deleted = client.delete(f"/api/v1/imports/column-mappings/{first.json()['id']}")

        assert first.status_code == replaced.status_code == 201
        assert replaced.json()["id"] == first.json()["id"]
        assert [(item["name"], item["columns"]) for item in listed] == [
            ("Glanzwerk", {"Kunde": "name", "Ort": ""})
        ]
        assert deleted.status_code == 204
        assert not SavedColumnMapping.objects.exists()

    def test_a_saved_mapping_with_an_unknown_field_is_refused(self, api_as, admin_user):
        response = api_as(admin_user).post(
            "/api/v1/imports/column-mappings", {"name": "X", "columns": {"Ort": "shoe_size"}}
        )

        assert response.status_code == 400
        assert "columns" in response.json()["error"]["fields"]

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_saved_mappings_by_role(self, api_as, make_user, admin_user, role):
        saved = saved_column_mapping_save(actor=admin_user, name="Glanzwerk", columns={"Kunde": "name"})
        client = api_as(make_user(role))

        listed = client.get("/api/v1/imports/column-mappings")
        created = client.post(
            "/api/v1/imports/column-mappings", {"name": "Neu", "columns": {"Kunde": "name"}}
        )
        deleted = client.delete(f"/api/v1/imports/column-mappings/{saved.pk}")

        if role in CAN_IMPORT:
            assert (listed.status_code, created.status_code, deleted.status_code) == (200, 201, 204)
        else:
            expected = 404 if role == Role.PARTNER_USER else 403
            assert (listed.status_code, created.status_code) == (expected, expected)
            assert deleted.status_code == 404
            assert list(SavedColumnMapping.objects.values_list("name", flat=True)) == ["Glanzwerk"]
            assert "Glanzwerk" not in listed.content.decode()
