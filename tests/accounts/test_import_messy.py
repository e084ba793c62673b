"""Issue 11: an import keeps every company of a messy German CRM export; every bad field is a warning with line,
field, value and reason; the counts in the messages are exact, also beyond the stored detail list."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from handschlag.accounts import import_services
from handschlag.accounts.enums import ImportMode, ImportStatus
from handschlag.accounts.import_services import import_run_create
from handschlag.accounts.models import Account
from tests.accounts.messy_export import (
    COUNTRIES,
    FIELD_WARNINGS,
    KEPT_NAMES,
    NAMELESS_LINES,
    ROW_COUNT,
    VAT_IDS,
    messy_export,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def upload(content: bytes, name: str = "crm-export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_every_company_with_a_name_is_kept_and_every_bad_field_is_a_warning(admin_user):
    run = import_run_create(actor=admin_user, upload=upload(messy_export()), mode=ImportMode.GOOD_ROWS)

    assert run.status == ImportStatus.DONE
    assert (run.file_format, run.encoding, run.delimiter) == ("csv", "windows-1252", ";")
    assert sorted(Account.objects.values_list("name", flat=True)) == sorted(KEPT_NAMES)
    assert run.created_count == len(KEPT_NAMES) == ROW_COUNT - len(NAMELESS_LINES)
    assert dict(Account.objects.exclude(vat_id="").values_list("name", "vat_id")) == VAT_IDS
    countries = dict(Account.objects.filter(name__in=COUNTRIES).values_list("name", "country"))
    assert countries == COUNTRIES
    errors = list(run.row_errors.filter(warning=False).values_list("line", "field", "reason"))
    assert errors == [(line, "name", "the company name is empty") for line in NAMELESS_LINES]
    warnings = list(run.row_errors.filter(warning=True).values_list("line", "field", "value", "reason"))
    assert sorted((line, field, value) for line, field, value, _reason in warnings) == sorted(FIELD_WARNINGS)
    assert all(reason for *_rest, reason in warnings)
    assert (run.error_row_count, run.warning_count, run.warning_row_count) == (2, 11, 9)
    assert run.message == (
        "20 rows imported. 2 rows without a company name left out. 11 warnings in 9 rows: fields left out or kept "
        "as they are."
    )


def test_kept_values_say_what_was_wrong(admin_user):
    run = import_run_create(actor=admin_user, upload=upload(messy_export()), mode=ImportMode.GOOD_ROWS)

    reasons = {
        (line, field): reason
        for line, field, reason in run.row_errors.filter(warning=True).values_list("line", "field", "reason")
    }
    assert reasons[(5, "vat_id")] == "VAT id with a wrong check digit; kept, please check it"
    assert reasons[(9, "vat_id")] == "VAT id with a wrong check digit; kept, please check it"
    assert reasons[(6, "postal_code")] == "does not fit the postal codes of DE; kept as it is"
    assert reasons[(22, "postal_code")] == "does not fit the postal codes of NL; kept as it is"
    assert reasons[(12, "vat_id")] == (
        "not a VAT id of an EU country, Switzerland, the UK or Norway; left out"
    )
    assert reasons[(14, "country")] == "unknown country; left out"
    assert reasons[(17, "external_id")] == "the same CRM id as line 2; imported without it"
    kept = dict(
        Account.objects.values_list("name", "postal_code").filter(name__in=["Nordsee Fisch Handels GmbH"])
    )
    assert kept == {"Nordsee Fisch Handels GmbH": "123"}
    assert Account.objects.get(name="Becker Präzisionstechnik GmbH").postal_code == "70173"  # "D-70173"
    assert Account.objects.get(name="Kowalski Sp. z o.o.").postal_code == "00-950"
    assert (
        Account.objects.get(name="Atlantis Trading").country == "DE"
    )  # unknown: left out, the default stays
    assert sorted(
        Account.objects.filter(name="Müller Hydraulik GmbH").values_list("external_id", flat=True)
    ) == [
        "",
        "K-1001",
    ]


def test_all_or_nothing_refuses_only_for_rows_without_a_name(admin_user):
    run = import_run_create(actor=admin_user, upload=upload(messy_export()))

    assert run.status == ImportStatus.REJECTED
    assert run.message == "2 of 22 rows have no company name; nothing was imported."
    assert not Account.objects.exists()


def test_german_reasons(admin_user):
    with translation.override("de"):
        run = import_run_create(actor=admin_user, upload=upload(messy_export()), mode=ImportMode.GOOD_ROWS)

    reasons = dict(run.row_errors.filter(warning=True).values_list("field", "reason").filter(line=5))
    assert reasons == {"vat_id": "USt-IdNr. mit falscher Prüfziffer; übernommen, bitte prüfen"}
    assert run.message == (
        "20 Zeilen importiert. 2 Zeilen ohne Firmennamen weggelassen. 11 Warnungen in 9 Zeilen: Felder "
        "weggelassen oder unverändert übernommen."
    )


def test_counts_are_exact_beyond_the_stored_details(admin_user, monkeypatch):
    # 1,600 rows, 1,550 with a bad VAT id and 60 without a name: more than the stored details hold
    monkeypatch.setattr(import_services, "STORED_ROW_ERRORS", 100)
    lines = ["Firma;USt-IdNr."]
    for index in range(1600):
        name = "" if index % 27 == 0 and index < 27 * 60 else f"Firma {index}"
        vat = "DE000000000" if index < 1550 else "DE136695976"
        lines.append(f"{name};{vat}")
    content = ("\n".join(lines) + "\n").encode()

    run = import_run_create(actor=admin_user, upload=upload(content), mode=ImportMode.GOOD_ROWS)

    nameless = sum(1 for index in range(1600) if index % 27 == 0 and index < 27 * 60)
    assert nameless == 60
    assert run.status == ImportStatus.DONE
    assert run.created_count == 1600 - 60
    assert (run.error_row_count, run.warning_count, run.warning_row_count) == (60, 1550 - 58, 1550 - 58)
    assert run.row_errors.filter(warning=True).count() == 100  # the details are capped, the counts are not
    # the warnings of rows left out for want of a name are not counted: 58 of those rows had a bad VAT id
    assert run.message == (
        "1540 rows imported. 60 rows without a company name left out. 1492 warnings in 1492 rows: fields left "
        "out or kept as they are."
    )


def test_detail_page_shows_warnings_and_exact_counts_in_german(page_as, make_user):
    admin_de = make_user("admin", username="admin_de", language="de")
    with translation.override("de"):
        run = import_run_create(actor=admin_de, upload=upload(messy_export()), mode=ImportMode.GOOD_ROWS)

    content = page_as(admin_de).get(f"/accounts/imports/{run.pk}/").content.decode()

    assert "11 Warnungen in 9 Zeilen" in content
    assert '<dd data-testid="warnings">11</dd>' in content
    assert '<dd data-testid="errors">2</dd>' in content
    warnings = content.split('id="row-warnings"', 1)[1]
    assert "<td>USt-IdNr.</td>" in warnings
    assert "CHE123456789" in warnings
