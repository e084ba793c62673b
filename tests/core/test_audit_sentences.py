"""The audit log in sentences: every action written anywhere has one, in German and in English."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from handschlag.alliances.enums import OfferDecision
from handschlag.core.audit_sentences import audit_rows, audit_sentence_actions
from handschlag.core.enums import Role
from handschlag.core.events import audit_record
from handschlag.core.models import AuditEvent, User
from tests.factories import AccountFactory

SOURCE = Path(__file__).resolve().parents[2] / "src" / "handschlag"

# actions written with an f-string, and what they become
DYNAMIC_ACTIONS = {
    "offer.{data.decision.value}": {f"offer.{decision.value}" for decision in OfferDecision},
    "user.password_{how}": {"user.password_change", "user.password_reset"},
    "registration.{data.decision}": {"registration.approve", "registration.reject", "registration.duplicate"},
    "registration.extension_{data.decision}": {
        "registration.extension_approve",
        "registration.extension_reject",
    },
}

# changes as the services write them, for the actions whose sentence reads them
SAMPLE_CHANGES: dict[str, dict[str, Any]] = {
    "user.create": {"role": "seller", "organisation": 1},
    "user.update": {"is_active": [True, False]},
    "auth.login_failed": {"username": "tkern", "address": "10.0.0.1"},
    "department.update": {"name": ["Qualität", "Qualitätssicherung"]},
    "account.update": {"name": ["Krause", "Krause & Scholz"]},
    "account.delete": {"name": "Krause & Scholz", "external_id": "K-1"},
    "contact.update": {"email": ["a@example.test", "b@example.test"]},
    "order.create": {"number": "A-1"},
    "order.update": {"value": ["1.00", "2.00"]},
    "insight.update": {"text": ["alt", "neu"]},
    "import.done": {"created": 1234, "updated": 5, "bad_rows": 0},
    "complaint.create": {"severity": "high", "owner": None},
    "complaint.update": {"title": ["alt", "neu"]},
    "complaint.assign": {"owner": [None, 1], "department": [None, None]},
    "complaint.pause": {"reason": "Warten auf Kunde"},
    "complaint.reopen": {"reason": "Fehler wieder aufgetreten"},
    "complaint.step": {"step": "D4", "done_at": [None, "2026-01-01T10:00:00+00:00"]},
    "complaint.watcher_add": {"watcher": 1},
    "complaint.watcher_remove": {"watcher": 1},
    "complaint.escalate": {"clock": "first_response", "level": 1, "recipients": []},
    "routing_rule.update": {"plant": ["", "Ulm"]},
    "sla_policy.update": {"first_response_hours": [8, 4]},
    "partner.update": {"name": ["A", "B"]},
    "partner.renamed_duplicate": {"name": ["Muster AG", "Muster AG (2)"]},
    "agreement.update": {"title": ["A", "B"]},
    "agreement.opt_in": {"side": "home"},
    "agreement.value_proposition_read": {"version": 2},
    "agreement.enablement_reminder": {"users": [1, 2, 3]},
    "fit_weights.update": {"Reichweite": [1, 3]},
    "offer.update": {"asks": ["a", "b"]},
}


# what the system notices or does by itself; the sentence names no person
SENTENCES_WITHOUT_ACTOR = {
    "auth.login_failed",
    "agreement.opt_in_withdrawn",
    "partner.renamed_duplicate",
    "import.fail",
    "mapping_run.fail",
    "complaint.escalate",
    "complaint.deadline_alert",
    "complaint.deadline_passed",
    "lead.expire",
    "registration.expire",
    "registration.expiry_warning",
}


def _actions_in_source() -> set[str]:
    actions: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for expression in re.findall(r"\baction=(.+)$", text, flags=re.MULTILINE):
            actions.update(re.findall(r'"([a-z_]+\.[a-z_]+)"', expression))  # also `"a.b" if … else "a.c"`
        for template in re.findall(r'\baction=f"([^"]+)"', text):
            assert template in DYNAMIC_ACTIONS, (
                f"{path}: list what action=f{template!r} becomes in DYNAMIC_ACTIONS"
            )
            actions |= DYNAMIC_ACTIONS[template]
    return actions


def _event(action: str, actor: User, **fields: Any) -> AuditEvent:
    values = {
        "target_type": "core.user",
        "target_id": "999999",
        "summary": f"summary of {action}",
        "changes": SAMPLE_CHANGES.get(action, {}),
    }
    values.update(fields)
    return AuditEvent(actor=actor, action=action, **values)


@pytest.fixture
def tobias(make_user: Callable[..., User]) -> User:
    return make_user(Role.PROCESS_OWNER, username="tkern", first_name="Tobias", last_name="Kern")


def test_every_action_written_in_the_code_has_a_sentence() -> None:
    actions = _actions_in_source()
    assert len(actions) > 60  # the scan finds them
    assert actions - audit_sentence_actions() == set()


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(_actions_in_source()))
def test_each_sentence_reads_in_german_and_english(action: str, tobias: User) -> None:
    event = _event(action, tobias)
    with translation.override("de"):
        german = audit_rows([event])[0].sentence
    with translation.override("en"):
        english = audit_rows([event])[0].sentence
    for sentence in (german, english):
        assert sentence != event.summary  # made from the data, not the fallback
        assert "%(" not in sentence
    assert german != english  # translated
    if action not in SENTENCES_WITHOUT_ACTOR:
        assert "Tobias Kern" in german
        assert "Tobias Kern" in english


@pytest.mark.django_db
def test_taking_over_a_complaint_reads_as_the_issue_asks(tobias: User) -> None:
    event = _event(
        "complaint.assign",
        tobias,
        target_type="complaints.complaint",
        target_id="43",
        changes={"owner": [None, tobias.pk], "department": [None, None]},
    )
    with translation.override("de"):
        assert audit_rows([event])[0].sentence == "Tobias Kern hat Reklamation #43 übernommen"
    with translation.override("en"):
        assert audit_rows([event])[0].sentence == "Tobias Kern took over complaint #43"


@pytest.mark.django_db
def test_handing_over_names_the_new_owner(tobias: User, make_user: Callable[..., User]) -> None:
    anna = make_user(Role.MANAGEMENT, username="aweber", first_name="Anna", last_name="Weber")
    event = _event(
        "complaint.assign",
        anna,
        target_type="complaints.complaint",
        target_id="7",
        changes={"owner": [None, tobias.pk], "department": [None, None]},
    )
    with translation.override("de"):
        assert audit_rows([event])[0].sentence == "Anna Weber hat Reklamation #7 an Tobias Kern übergeben"


@pytest.mark.django_db
def test_names_come_from_the_target_now_and_a_user_without_name_by_his_user_name(
    make_user: Callable[..., User],
) -> None:
    nameless = make_user(Role.SELLER, username="jdoe", first_name="", last_name="")
    account = AccountFactory(name="Krause & Scholz", legal_form="AG")
    audit_record(actor=nameless, action="account.create", target=account, summary="account created")
    account.name = "Krause und Scholz"
    account.save()
    event = AuditEvent.objects.select_related("actor").get(action="account.create")
    with translation.override("de"):
        assert audit_rows([event])[0].sentence == "jdoe hat den Kunden „Krause und Scholz AG“ angelegt"


@pytest.mark.django_db
def test_numbers_in_the_readers_format(tobias: User) -> None:
    event = _event(
        "import.done",
        tobias,
        target_type="accounts.importrun",
        changes={"created": 1234, "updated": 5, "bad_rows": 0},
    )
    with translation.override("de"):
        assert "1.234 angelegt" in audit_rows([event])[0].sentence
    with translation.override("en"):
        assert "1,234 created" in audit_rows([event])[0].sentence


@pytest.mark.django_db
def test_the_system_acts_when_nobody_did() -> None:
    event = AuditEvent(
        actor=None,
        action="complaint.escalate",
        target_type="complaints.complaint",
        target_id="5",
        summary="x",
        changes={"clock": "first_response", "level": 2, "recipients": []},
    )
    with translation.override("de"):
        assert audit_rows([event])[0].sentence.startswith("Reklamation #5 auf Stufe 2 eskaliert")


@pytest.mark.django_db
def test_an_unknown_action_or_unreadable_data_falls_back_to_the_summary(tobias: User) -> None:
    unknown = _event("something.new", tobias, summary="something new happened")
    broken = _event("complaint.pause", tobias, summary="complaint #3 paused", changes={})
    rows = audit_rows([unknown, broken])
    assert [row.sentence for row in rows] == ["something new happened", "complaint #3 paused"]
