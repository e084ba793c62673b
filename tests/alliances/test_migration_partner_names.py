"""Migration 0004 makes partner names unique ignoring case. Partners that already shared a name are all kept
(they may have agreements and logins; merging is a person's decision): the oldest keeps the name, the later ones
become "<name> (2)", "(3)" … on the partner and its organisation, each with an audit event."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("alliances", "0003_german_fit_criteria")]
AFTER = [("alliances", "0004_partner_name_unique")]


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    """Leave the database at the latest migrations, whatever this test did (later tests of this worker need them)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_duplicates_are_renamed_not_merged() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Organisation = old.get_model("core", "Organisation")
    Partner = old.get_model("alliances", "Partner")
    names = ["Nordlicht GmbH", "nordlicht gmbh", "Glanzwerk AG", "NORDLICHT GMBH ", "Nordlicht GmbH (2)"]
    ids = []
    for name in names:
        organisation = Organisation.objects.create(name=name, kind="partner")
        ids.append(Partner.objects.create(organisation=organisation, partner_type="referral").pk)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Partner = new.get_model("alliances", "Partner")
    AuditEvent = new.get_model("core", "AuditEvent")
    renamed = {partner.pk: (partner.name, partner.organisation.name) for partner in Partner.objects.all()}
    assert [renamed[pk] for pk in ids] == [
        ("Nordlicht GmbH", "Nordlicht GmbH"),
        ("nordlicht gmbh (3)", "nordlicht gmbh (3)"),  # "(2)" is another partner's name already
        ("Glanzwerk AG", "Glanzwerk AG"),
        ("NORDLICHT GMBH (4)", "NORDLICHT GMBH (4)"),
        ("Nordlicht GmbH (2)", "Nordlicht GmbH (2)"),
    ]
    assert sorted(
        AuditEvent.objects.filter(action="partner.renamed_duplicate").values_list("target_id", flat=True)
    ) == sorted([str(ids[1]), str(ids[3])])
