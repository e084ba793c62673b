"""Imports through the services: all or nothing, good rows, re-imports, the worker, owners, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import translation

from handschlag.accounts import import_services
from handschlag.accounts.enums import AccountStatus, ImportMode, ImportStatus
from handschlag.accounts.import_services import (
    import_run_create,
    import_run_execute,
    import_run_import_good_rows,
)
from handschlag.accounts.models import Account, ImportRun
from handschlag.accounts.tasks import import_run_execute_task
from handschlag.core.enums import JobStatus, Role
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.models import AuditEvent, Job
from handschlag.core.tasks import run_pending_jobs
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def upload(text: str, name: str = "export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def row_errors(run: ImportRun) -> list[tuple[int, str, str, str, bool]]:
    return list(
        run.row_errors.order_by("line", "id").values_list("line", "field", "value", "reason", "warning")
    )


def accounts() -> list[tuple[Any, ...]]:
    return list(Account.objects.order_by("name").values_list("external_id", "name", "city"))


GOOD = "Kundennummer;Firma;Ort\nK-1;Alpha GmbH;Ulm\nK-2;Beta AG;Köln\n"
MIXED = (
    "Kundennummer;Firma;PLZ;Umsatz\n"
    "K-1;Alpha GmbH;89073;1.000,50\n"
    "K-2;;50667;2\n"
    "K-3;Gamma KG;123;viel\n"
    "K-4;Delta SE;10115;3\n"
)
# only the row without a name is an error; the bad optional fields of line 4 are warnings, its company is kept
MIXED_ERRORS = [
    (3, "name", "", "the company name is empty", False),
    (4, "postal_code", "123", "does not fit the postal codes of DE; kept as it is", True),
    (4, "annual_revenue", "viel", "not an amount (e.g. 1.234.567,89); left out", True),
]


class TestAllOrNothing:
    def test_good_file_is_imported(self, admin_user):
        run = import_run_create(actor=admin_user, upload=upload(GOOD))

        assert run.status == ImportStatus.DONE
        assert (run.total_rows, run.created_count, run.updated_count, run.error_count) == (2, 2, 0, 0)
        assert (run.file_format, run.encoding, run.delimiter) == ("csv", "utf-8", ";")
        assert run.column_mapping == {"external_id": "Kundennummer", "name": "Firma", "city": "Ort"}
        assert accounts() == [("K-1", "Alpha GmbH", "Ulm"), ("K-2", "Beta AG", "Köln")]

    def test_bad_rows_write_nothing_and_every_bad_row_is_reported(self, admin_user):
        AccountFactory(external_id="K-1", name="Alt", city="Alt")
        before = accounts()

        run = import_run_create(actor=admin_user, upload=upload(MIXED))

        assert run.status == ImportStatus.REJECTED
        assert run.message == "1 of 4 rows has no company name; nothing was imported."
        assert (run.error_count, run.error_row_count, run.warning_count, run.warning_row_count) == (
            1,
            1,
            2,
            1,
        )
        assert row_errors(run) == MIXED_ERRORS
        assert accounts() == before

    def test_good_rows_mode_imports_the_good_ones(self, admin_user):
        run = import_run_create(actor=admin_user, upload=upload(MIXED), mode=ImportMode.GOOD_ROWS)

        assert run.status == ImportStatus.DONE
        assert (run.created_count, run.error_count, run.warning_count) == (3, 1, 2)
        assert run.message == (
            "3 rows imported. 1 row without a company name left out. 2 warnings in 1 rows: fields left out or "
            "kept as they are."
        )
        assert row_errors(run) == MIXED_ERRORS
        assert list(
            Account.objects.order_by("name").values_list("name", "postal_code", "annual_revenue")
        ) == [
            ("Alpha GmbH", "89073", pytest.approx(1000.50)),
            ("Delta SE", "10115", 3),
            ("Gamma KG", "123", None),
        ]

    def test_rejected_import_can_import_its_good_rows_in_the_worker(
        self, admin_user, django_capture_on_commit_callbacks
    ):
        run = import_run_create(actor=admin_user, upload=upload(MIXED))

        with django_capture_on_commit_callbacks(execute=True):
            queued = import_run_import_good_rows(actor=admin_user, run=run)
        assert queued.status == ImportStatus.QUEUED
        assert queued.mode == ImportMode.GOOD_ROWS
        assert queued.row_errors.count() == 0
        assert run_pending_jobs() == 1

        run.refresh_from_db()
        assert run.status == ImportStatus.DONE
        assert run.created_count == 3
        assert row_errors(run) == MIXED_ERRORS
        assert AuditEvent.objects.filter(action="import.import_good_rows", target_id=str(run.pk)).count() == 1

    def test_import_good_rows_only_after_a_rejection(self, admin_user):
        run = import_run_create(actor=admin_user, upload=upload(GOOD))

        with pytest.raises(Conflict):
            import_run_import_good_rows(actor=admin_user, run=run)
        assert not Job.objects.exclude(status=JobStatus.DONE).exists()


class TestReimport:
    def test_same_file_twice_updates_by_crm_id(self, admin_user):
        import_run_create(actor=admin_user, upload=upload(GOOD))
        first_ids = set(Account.objects.values_list("pk", flat=True))

        again = import_run_create(actor=admin_user, upload=upload(GOOD))
        changed = import_run_create(
            actor=admin_user,
            upload=upload("Kundennummer;Firma;Ort\nK-1;Alpha GmbH;Neu-Ulm\nK-3;Neu AG;Bonn\n"),
        )

        assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
        assert (changed.created_count, changed.updated_count, changed.unchanged_count) == (1, 1, 0)
        assert first_ids < set(Account.objects.values_list("pk", flat=True))
        assert accounts() == [
            ("K-1", "Alpha GmbH", "Neu-Ulm"),
            ("K-2", "Beta AG", "Köln"),
            ("K-3", "Neu AG", "Bonn"),
        ]

    def test_by_domain_when_there_is_no_crm_id(self, admin_user):
        existing = AccountFactory(external_id="", name="Alpha", domain="alpha.de", city="Ulm")

        run = import_run_create(
            actor=admin_user, upload=upload("Firma;Website;Ort\nAlpha GmbH;https://www.alpha.de/;Neu-Ulm\n")
        )

        assert (run.created_count, run.updated_count) == (0, 1)
        existing.refresh_from_db()
        assert (existing.name, existing.city, Account.objects.count()) == ("Alpha GmbH", "Neu-Ulm", 1)

    def test_domain_does_not_merge_two_different_crm_ids(self, admin_user):
        AccountFactory(external_id="SF-1", domain="alpha.de")

        run = import_run_create(
            actor=admin_user, upload=upload("Id;Firma;Website\nSF-2;Alpha Zwei;alpha.de\n")
        )

        assert (run.created_count, run.updated_count) == (1, 0)
        assert Account.objects.filter(domain="alpha.de").count() == 2

    def test_empty_cells_do_not_clear_the_crm_id(self, admin_user):
        account = AccountFactory(external_id="K-9", domain="alpha.de")

        import_run_create(actor=admin_user, upload=upload("Kundennummer;Firma;Website\n;Alpha;alpha.de\n"))

        account.refresh_from_db()
        assert (account.external_id, account.name) == ("K-9", "Alpha")

    def test_the_matching_engine_finds_the_same_company_without_id_or_domain(self, admin_user):
        pytest.importorskip("handschlag.matching", reason="the matching engine is not importable yet")
        file = "Firma;Straße;PLZ;Ort;Branche\nMüller Hydraulik GmbH;Industriestraße 5;70173;Stuttgart;{}\n"

        first = import_run_create(actor=admin_user, upload=upload(file.format("Hydraulik")))
        second = import_run_create(actor=admin_user, upload=upload(file.format("Maschinenbau")))

        assert first.created_count == 1
        assert (second.created_count, second.updated_count) == (0, 1)
        assert list(Account.objects.values_list("name", "industry")) == [
            ("Müller Hydraulik GmbH", "Maschinenbau")
        ]

    def test_the_matching_engine_keeps_different_companies_apart(self, admin_user):
        pytest.importorskip("handschlag.matching", reason="the matching engine is not importable yet")
        AccountFactory(external_id="", domain="", name="Müller Hydraulik GmbH", street="Industriestraße 5")

        run = import_run_create(
            actor=admin_user,
            upload=upload("Firma;Straße;PLZ;Ort\nSchmidt Logistik AG;Hafenweg 2;20457;Hamburg\n"),
        )

        assert run.created_count == 1
        assert Account.objects.count() == 2

    def test_duplicate_crm_ids_within_a_file(self, admin_user):
        run = import_run_create(actor=admin_user, upload=upload("Id;Firma\nK-1;A\nK-2;B\nK-1;C\n"))

        # the company of line 4 is kept, without the CRM id that would make it overwrite line 2's
        assert run.status == ImportStatus.DONE
        assert row_errors(run) == [
            (4, "external_id", "K-1", "the same CRM id as line 2; imported without it", True)
        ]
        assert accounts() == [("K-1", "A", ""), ("K-2", "B", ""), ("", "C", "")]

    def test_duplicate_domains_without_ids_within_a_file(self, admin_user):
        run = import_run_create(actor=admin_user, upload=upload("Firma;Website\nA;a.de\nB;www.a.de\n"))

        assert row_errors(run) == [
            (3, "domain", "a.de", "the same domain as line 2; check whether it is the same company", True)
        ]
        assert run.created_count == 2

    def test_an_updated_account_gets_a_new_updated_at(self, admin_user):
        account = AccountFactory(external_id="K-1", name="Alt")
        Account.objects.filter(pk=account.pk).update(updated_at="2020-01-01T00:00:00Z")

        import_run_create(actor=admin_user, upload=upload("Id;Firma\nK-1;Neu\n"))

        account.refresh_from_db()
        assert account.name == "Neu"
        assert account.updated_at.year > 2020


class TestFileLevelProblems:
    def test_over_the_size_limit_stores_nothing(self, admin_user, settings):
        settings.HANDSCHLAG_IMPORT_MAX_BYTES = 2 * 1048576

        with pytest.raises(InvalidInput) as caught:
            import_run_create(actor=admin_user, upload=upload("Firma\n" + "x" * (3 * 1048576)))

        assert caught.value.fields == {"file": ["The file is 3.0 MB; at most 2 MB are accepted."]}
        assert not ImportRun.objects.exists()
        assert not AuditEvent.objects.filter(action="import.create").exists()

    def test_empty_upload(self, admin_user):
        with pytest.raises(InvalidInput) as caught:
            import_run_create(actor=admin_user, upload=upload(""))

        assert caught.value.fields == {"file": ["The file is empty."]}
        assert not ImportRun.objects.exists()

    @pytest.mark.parametrize(
        ("preset", "mode", "field"), [("sap", "good_rows", "preset"), ("auto", "half", "mode")]
    )
    def test_unknown_preset_or_mode(self, admin_user, preset, mode, field):
        with pytest.raises(InvalidInput) as caught:
            import_run_create(actor=admin_user, upload=upload(GOOD), preset=preset, mode=mode)

        assert list(caught.value.fields) == [field]
        assert not ImportRun.objects.exists()

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ("Name;Ort\n", "The file has a header but no rows."),
            (
                "PLZ;Ort\n70173;Stuttgart\n",
                "No column for the company name. Name it “Name”, “Firma”, “Company” or “Account Name”, or "
                "map a column to it. Columns found: PLZ, Ort",
            ),
        ],
    )
    def test_file_problems_fail_the_run_with_a_message(self, admin_user, content, message):
        run = import_run_create(actor=admin_user, upload=upload(content))

        assert run.status == ImportStatus.FAILED
        assert run.message == message
        assert not Account.objects.exists()

    def test_binary_garbage_fails(self, admin_user):
        garbage = SimpleUploadedFile("x.csv", b"\x00\x01\x02\xff" * 100)

        run = import_run_create(actor=admin_user, upload=garbage)

        assert run.status == ImportStatus.FAILED
        assert run.message == "x.csv is not a CSV or Excel file (it contains binary data)."

    def test_the_stored_file_gets_a_generated_name(self, admin_user):
        run = import_run_create(actor=admin_user, upload=upload(GOOD, name="../../etc/passwd.csv"))

        assert run.original_name == "passwd.csv"
        assert run.file.name == f"imports/{run.uuid}.upload"

    def test_a_missing_stored_file_fails_clearly(self, admin_user):
        run = import_run_create(actor=admin_user, upload=upload(GOOD), start=False)
        run.file.delete(save=False)

        run = import_run_execute(run=run)

        assert (run.status, run.message) == (
            ImportStatus.FAILED,
            "The uploaded file is no longer there. Upload it again.",
        )


class TestWorker:
    def test_large_files_go_to_the_worker(self, admin_user, settings):
        settings.HANDSCHLAG_IMPORT_INLINE_ROWS = 0

        run = import_run_create(actor=admin_user, upload=upload(GOOD))

        assert run.status == ImportStatus.QUEUED
        assert run.progress_percent == 0
        assert not Account.objects.exists()
        assert Job.objects.get().arguments == {"import_run_id": run.pk}

        assert run_pending_jobs() == 1

        run.refresh_from_db()
        assert run.status == ImportStatus.DONE
        assert (run.total_rows, run.processed_rows, run.progress_percent) == (2, 2, 100)
        assert run.finished_at is not None
        assert Account.objects.count() == 2

    def test_a_rolled_back_upload_queues_no_job(self, admin_user, settings):
        """The job row is written in the caller's transaction (docs/adr/0002): no commit, no job."""
        settings.HANDSCHLAG_IMPORT_INLINE_ROWS = 0

        def upload_then_fail() -> None:
            with transaction.atomic():
                run = import_run_create(actor=admin_user, upload=upload(GOOD))
                assert run.status == ImportStatus.QUEUED
                assert Job.objects.count() == 1
                raise ZeroDivisionError

        with pytest.raises(ZeroDivisionError):
            upload_then_fail()

        assert not Job.objects.exists()
        assert not ImportRun.objects.exists()

    def test_running_the_job_twice_is_harmless(self, admin_user):
        run = import_run_create(actor=admin_user, upload=upload(GOOD))
        finished_at = run.finished_at

        import_run_execute_task(import_run_id=run.pk)
        import_run_execute_task(import_run_id=run.pk)
        import_run_execute_task(import_run_id=999_999)  # a deleted run is no error

        run.refresh_from_db()
        assert (run.created_count, run.finished_at) == (2, finished_at)
        assert Account.objects.count() == 2
        assert AuditEvent.objects.filter(action="import.done").count() == 1

    def test_an_interrupted_run_starts_again_from_the_file(self, admin_user):
        run = import_run_create(actor=admin_user, upload=upload(GOOD), start=False)
        ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.WRITING, processed_rows=1)

        run = import_run_execute(run=run)

        assert (run.status, run.created_count, run.processed_rows) == (ImportStatus.DONE, 2, 2)

    def test_progress_is_reported_while_checking(self, admin_user, monkeypatch):
        monkeypatch.setattr(import_services, "PROGRESS_EVERY_ROWS", 2)
        rows = "".join(f"K-{index};Firma {index}\n" for index in range(5))
        run = import_run_create(actor=admin_user, upload=upload("Id;Firma\n" + rows), start=False)
        calls: list[tuple[int, int | None]] = []

        import_run_execute(run=run, progress=lambda done, total: calls.append((done, total)))

        assert calls == [(2, None), (4, None), (5, 5)]


class TestOwners:
    @pytest.fixture
    def anna(self, make_user: Callable[..., Any]) -> Any:
        return make_user(
            Role.SELLER,
            username="aschmidt",
            email="anna@example.test",
            first_name="Anna",
            last_name="Schmidt",
        )

    @pytest.mark.parametrize("written", ["aschmidt", "ANNA@example.test", "Anna Schmidt", "Schmidt, Anna"])
    def test_owner_by_username_email_or_full_name(self, admin_user, anna, written):
        run = import_run_create(actor=admin_user, upload=upload(f"Firma;Betreuer\nAlpha;{written}\n"))

        assert run.status == ImportStatus.DONE
        assert Account.objects.get().owner == anna

    def test_unknown_inactive_or_partner_owner_is_a_row_error(self, admin_user, make_user):
        make_user(Role.SELLER, username="weg", is_active=False)
        make_user(Role.PARTNER_USER, username="extern")

        run = import_run_create(
            actor=admin_user, upload=upload("Firma;Betreuer\nA;niemand\nB;weg\nC;extern\n")
        )

        assert run.status == ImportStatus.DONE
        assert row_errors(run) == [
            (2, "owner", "niemand", "no user of that name, user name or e-mail; left out", True),
            (3, "owner", "weg", "no user of that name, user name or e-mail; left out", True),
            (4, "owner", "extern", "no user of that name, user name or e-mail; left out", True),
        ]
        assert not Account.objects.exclude(owner=None).exists()


class TestAudit:
    def test_create_and_done_are_recorded(self, admin_user):
        run = import_run_create(actor=admin_user, upload=upload(GOOD))

        events = AuditEvent.objects.filter(target_type="accounts.importrun", target_id=str(run.pk)).order_by(
            "id"
        )
        assert [(event.action, event.actor_id) for event in events] == [
            ("import.create", admin_user.pk),
            ("import.done", admin_user.pk),
        ]
        assert events[0].changes == {
            "preset": "auto",
            "mode": "all_or_nothing",
            "size": len(GOOD.encode()),
            "columns": {},
        }
        assert {key: events[1].changes[key] for key in ("created", "updated", "bad_rows")} == {
            "created": 2,
            "updated": 0,
            "bad_rows": 0,
        }

    def test_status_of_imported_accounts(self, admin_user):
        import_run_create(actor=admin_user, upload=upload("Firma;Status\nA;Kunde\nB;\n"))

        assert dict(Account.objects.values_list("name", "status")) == {
            "A": AccountStatus.CUSTOMER,
            "B": AccountStatus.PROSPECT,
        }


class TestExcelUpload:
    def test_an_uploaded_xlsx_is_imported(self, admin_user):
        # the stored upload has a generated name without the .xlsx suffix; openpyxl must still read it
        import datetime as dt
        import io

        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["Firma", "PLZ", "Ort", "Jahresumsatz", "Kunde seit"])
        sheet.append(["Excel Antriebe GmbH", 1067, "Dresden", 1234567.5, dt.datetime(2026, 2, 1)])
        content = io.BytesIO()
        workbook.save(content)

        run = import_run_create(
            actor=admin_user,
            upload=SimpleUploadedFile("kunden.xlsx", content.getvalue()),
            mode=ImportMode.ALL_OR_NOTHING,
        )

        assert (run.status, run.file_format, run.created_count) == (ImportStatus.DONE, "xlsx", 1)
        account = Account.objects.get()
        assert (account.name, account.postal_code, str(account.annual_revenue), account.customer_since) == (
            "Excel Antriebe GmbH",
            "01067",
            "1234567.50",
            dt.date(2026, 2, 1),
        )


def test_one_bad_row_is_reported_in_the_singular(admin_user):
    with translation.override("en"):
        run = import_run_create(
            actor=admin_user,
            upload=upload("Firma;PLZ\nAlpha GmbH;70173\n;XYZ\n"),
            mode=ImportMode.ALL_OR_NOTHING,
        )

    assert run.status == ImportStatus.REJECTED
    assert run.message == "1 of 2 rows has no company name; nothing was imported."
