from __future__ import annotations

from typing import Any

import pytest

from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from handschlag.mapping.enums import MappingStatus
from handschlag.mapping.models import MappingMatch, PartnerRecord
from handschlag.mapping.selectors import overlap_cells_for, overlap_rows_for, run_changes_for
from handschlag.mapping.services import share_exclusion_add
from handschlag.mapping.sharing import Band
from tests.mapping.helpers import (
    PARTNER_CSV,
    filler_rows,
    opted_in_agreement,
    our_accounts,
    rules_patch,
    run_mapping,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_user: Any) -> dict[str, Any]:
    manager = make_user(Role.PARTNER_MANAGER)
    partner_user = make_user(Role.PARTNER_USER)
    accounts = our_accounts()
    agreement = opted_in_agreement(manager=manager, partner_user=partner_user)
    return {"manager": manager, "partner_user": partner_user, "agreement": agreement, **accounts}


def test_a_clear_list_is_mapped_in_the_background_and_only_the_overlap_is_kept(
    setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    run = run_mapping(
        django_capture_on_commit_callbacks, actor=setup["manager"], agreement=setup["agreement"]
    )
    assert run.status == MappingStatus.DONE
    assert (run.our_count, run.partner_count, run.match_count) == (4, 20, 3)
    pairs = {
        (m.account_id, m.our_population, m.partner_population) for m in MappingMatch.objects.filter(run=run)
    }
    assert pairs == {
        (setup["alpha"].pk, "customer", "customer"),
        (setup["beta"].pk, "open_opportunity", "prospect"),
        (setup["gamma"].pk, "prospect", "open_opportunity"),
    }
    assert not PartnerRecord.objects.filter(run=run, external_id="P-4").exists()  # never stored
    assert AuditEvent.objects.filter(action="mapping_run.create", target_id=str(run.pk)).count() == 1


def test_the_partner_sees_only_what_the_rules_allow(
    setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    run = run_mapping(
        django_capture_on_commit_callbacks, actor=setup["manager"], agreement=setup["agreement"]
    )
    cells = {(c.our_population, c.partner_population): c for c in overlap_cells_for(run, for_partner=True)}
    assert cells[("customer", "customer")].count == 1
    assert cells[("customer", "customer")].drill_down
    assert cells[("open_opportunity", "prospect")].count is None  # counts only: never the number …
    assert cells[("open_opportunity", "prospect")].band == Band(low=0, high=4)  # … but "fewer than 5"
    assert cells[("open_opportunity", "customer")].band == Band(low=0, high=4)  # zero looks the same
    assert not cells[("open_opportunity", "prospect")].drill_down
    assert cells[("prospect", "open_opportunity")].count is None  # hidden
    rows = overlap_rows_for(run, for_partner=True)
    assert rows == [
        {
            "our_population": "customer",
            "partner_population": "customer",
            "name": "Alpha Antriebe GmbH",
            "partner_record_id": "P-1",
            "partner_record_name": "Alpha Antriebe GmbH",
            "score": rows[0]["score"],
            "city": "Stuttgart",
            "owner": "Olga Owner",
        }
    ]
    assert len(overlap_rows_for(run, for_partner=False)) == 3


def test_nothing_is_shown_before_both_sides_opted_in(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    our_accounts()
    agreement = opted_in_agreement(manager=manager)  # the partner has not agreed
    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    assert run.status == MappingStatus.DONE
    assert overlap_cells_for(run, for_partner=False) == []
    assert overlap_rows_for(run, for_partner=True) == []


def test_an_account_never_shared_is_left_out(
    setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    share_exclusion_add(actor=setup["manager"], account=setup["alpha"], reason="Vertraulich")
    run = run_mapping(
        django_capture_on_commit_callbacks, actor=setup["manager"], agreement=setup["agreement"]
    )
    assert not MappingMatch.objects.filter(run=run, account=setup["alpha"]).exists()
    assert overlap_rows_for(run, for_partner=True) == []


def test_a_rerun_shows_what_changed(setup: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    first = run_mapping(
        django_capture_on_commit_callbacks, actor=setup["manager"], agreement=setup["agreement"]
    )
    second_list = PARTNER_CSV.replace("P-2;Beta Blech AG;beta-blech.de;80331;München;Interessent\n", "") + (
        "P-5;Nur Bei Uns GmbH;nur-bei-uns.de;20095;Hamburg;Kunde\n"
    )
    second = run_mapping(
        django_capture_on_commit_callbacks,
        actor=setup["manager"],
        agreement=setup["agreement"],
        content=second_list,
    )
    assert second.previous_run_id == first.pk
    changes = run_changes_for(second, for_partner=False)
    assert changes is not None
    assert [row["name"] for row in changes.new] == ["Nur Bei Uns GmbH"]
    assert [row["name"] for row in changes.gone] == ["Beta Blech AG"]
    partner_changes = run_changes_for(second, for_partner=True)
    assert partner_changes is not None
    assert [row["name"] for row in partner_changes.new] == ["Nur Bei Uns GmbH"]
    assert partner_changes.gone == []
    # Beta Blech (open opportunity) is shared as counts only: the partner learns nothing of its going, not even
    # a number (a difference of counts between two runs would name it)
    assert (partner_changes.new_count, partner_changes.gone_count) == (1, 0)
    gone_listed = second_list.replace(
        "P-1;Alpha Antriebe GmbH;alpha-antriebe.de;70173;Stuttgart;Kunde\n", ""
    ) + filler_rows(1, start=900)
    third = run_mapping(
        django_capture_on_commit_callbacks,
        actor=setup["manager"],
        agreement=setup["agreement"],
        content=gone_listed,
    )
    third_changes = run_changes_for(third, for_partner=True)
    assert third_changes is not None
    assert (third_changes.new, third_changes.gone, third_changes.gone_count) == ([], [], 1)  # a number only


def test_changing_the_rules_withdraws_both_opt_ins(setup: dict[str, Any]) -> None:
    from handschlag.mapping.services import sharing_rules_set

    sharing_rules_set(
        actor=setup["manager"],
        agreement=setup["agreement"],
        patch=rules_patch({"prospect": {"level": "counts"}}),
    )
    setup["agreement"].refresh_from_db()
    assert not setup["agreement"].both_opted_in
    assert AuditEvent.objects.filter(action="agreement.opt_in_withdrawn").count() == 1


# --- bad uploads -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02binary\x00", "binary"),
        (b"\xd0\xcf\x11\xe0old excel", ".xls"),
        ("Spalte;Andere\n1;2\n", "No column for the company name"),
        ("Firma;Ort\n", "no usable rows"),
    ],
)
def test_a_bad_list_fails_with_a_clear_message_and_maps_nothing(
    setup: dict[str, Any], django_capture_on_commit_callbacks: Any, content: Any, message: str
) -> None:
    run = run_mapping(
        django_capture_on_commit_callbacks,
        actor=setup["manager"],
        agreement=setup["agreement"],
        content=content,
    )
    assert run.status == MappingStatus.FAILED
    assert message in run.message
    assert MappingMatch.objects.count() == 0


def test_bad_rows_are_listed_with_line_and_reason(
    setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    content = PARTNER_CSV + ";;;;;Kunde\nP-9;Delta;delta.de;70173;Stuttgart;Lieferant\n"
    run = run_mapping(
        django_capture_on_commit_callbacks,
        actor=setup["manager"],
        agreement=setup["agreement"],
        content=content,
    )
    assert run.status == MappingStatus.FAILED
    # only the row without a name is bad; the unknown population is a warning and the row is kept
    assert [(error["line"], error["field"], error["warning"]) for error in run.row_errors] == [
        (22, "name", False),
        (23, "population", True),
    ]
    skipped = run_mapping(
        django_capture_on_commit_callbacks,
        actor=setup["manager"],
        agreement=setup["agreement"],
        content=content,
        skip_bad_rows=True,
    )
    assert skipped.status == MappingStatus.DONE
    assert skipped.match_count == 3
    assert skipped.partner_count == 21  # every row with a name, Delta with the default population
    assert skipped.message.startswith(
        "1 row of the partner's list had no company name and was left out. 1 warning in 1 rows: fields left "
        "out or kept as they are."
    )


def test_an_empty_or_huge_upload_is_refused_before_anything_is_stored(
    setup: dict[str, Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from handschlag.core.errors import InvalidInput
    from handschlag.mapping.models import MappingRun

    with pytest.raises(InvalidInput, match="empty"):
        run_mapping(
            django_capture_on_commit_callbacks,
            actor=setup["manager"],
            agreement=setup["agreement"],
            content=b"",
        )
    settings.HANDSCHLAG_IMPORT_MAX_BYTES = 100
    with pytest.raises(InvalidInput, match="at most"):
        run_mapping(django_capture_on_commit_callbacks, actor=setup["manager"], agreement=setup["agreement"])
    assert MappingRun.objects.count() == 0


def test_a_file_that_is_not_an_encoding_fails_as_encoded_upload(
    setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    run = run_mapping(
        django_capture_on_commit_callbacks,
        actor=setup["manager"],
        agreement=setup["agreement"],
        source="encoded",
    )
    assert run.status == MappingStatus.FAILED
    assert run.message  # "cannot read encoded files yet" or "not an encoded file"
    assert MappingMatch.objects.count() == 0


# --- encoded lists -----------------------------------------------------------------------------------------------


def _encoded_partner_file(tmp_path: Any, secret: bytes) -> bytes:
    from handschlag.mapping.partner_lists import read_clear_list
    from handschlag.matching import encode_records, write_encoded

    source = tmp_path / "partner.csv"
    source.write_text(PARTNER_CSV, encoding="utf-8")
    rows = read_clear_list(
        source, source="partner.csv", default_population="customer", skip_bad_rows=False
    ).rows
    target = tmp_path / "partner.encoded"
    write_encoded(encode_records([row.record for row in rows], secret=secret), target)
    return target.read_bytes()


def test_an_encoded_list_made_with_the_agreements_secret_is_mapped(
    setup: dict[str, Any], django_capture_on_commit_callbacks: Any, tmp_path: Any
) -> None:
    agreement = setup["agreement"]
    content = _encoded_partner_file(tmp_path, agreement.mapping_secret.encode())
    run = run_mapping(
        django_capture_on_commit_callbacks,
        actor=setup["manager"],
        agreement=agreement,
        content=content,
        source="encoded",
    )
    assert run.status == MappingStatus.DONE, run.message
    assert run.partner_count == 20
    assert set(MappingMatch.objects.filter(run=run).values_list("account_id", flat=True)) >= {
        setup["alpha"].pk
    }
    assert set(PartnerRecord.objects.filter(run=run).values_list("name", flat=True)) == {
        ""
    }  # no names in encoded mode


def test_an_encoded_list_made_with_another_secret_fails_with_the_reason(
    setup: dict[str, Any], django_capture_on_commit_callbacks: Any, tmp_path: Any
) -> None:
    content = _encoded_partner_file(tmp_path, b"another-secret-of-at-least-16-bytes")
    run = run_mapping(
        django_capture_on_commit_callbacks,
        actor=setup["manager"],
        agreement=setup["agreement"],
        content=content,
        source="encoded",
    )
    assert run.status == MappingStatus.FAILED
    assert "another secret" in run.message
    assert MappingMatch.objects.count() == 0
