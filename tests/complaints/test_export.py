"""The complaints export names people, not logins, and writes dates as the reader's language does."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from handschlag.complaints.services.cases import complaint_create
from tests.complaints.conftest import complaint_input

pytestmark = pytest.mark.django_db


def _export(client) -> list[list[str]]:
    response = client.get("/complaints/export.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


@pytest.mark.parametrize(("language", "date_format"), [("de", "%d.%m.%Y %H:%M"), ("en", "%Y-%m-%d %H:%M")])
def test_export_names_the_process_owner_and_writes_local_dates(page_as, org, language, date_format):
    org.owner.first_name, org.owner.last_name = "Tobias", "Kern"
    org.owner.save()
    org.management.language = language
    org.management.save()
    deadline = timezone.localtime().replace(second=0, microsecond=0) + dt.timedelta(days=3)
    case = complaint_create(
        actor=org.seller,
        data=complaint_input(org.account, cancellation_threat=True, cancellation_deadline=deadline),
    )

    header, *rows = _export(page_as(org.management))

    (row,) = rows
    cells = dict(zip(header, row, strict=True))
    owner_column, deadline_column, created_column = (
        ("Prozessverantwortlicher", "Stornofrist", "Angelegt")
        if language == "de"
        else ("Process owner", "Cancellation deadline", "Created")
    )
    assert cells[owner_column] == "Tobias Kern"
    assert "prodmeister" not in row
    assert cells[deadline_column] == timezone.localtime(deadline).strftime(date_format)
    assert cells[created_column] == timezone.localtime(case.created_at).strftime(date_format)
