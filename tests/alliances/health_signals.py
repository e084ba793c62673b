"""Health v2 (docs/adr/0310) reads what partners do from co-selling's signals. Alliances' own tests stand in for
that module by registering figures for chosen agreements — what a lived alliance's leads and deals look like."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from handschlag.alliances import extensions
from handschlag.alliances.extensions import SIGNAL_DEALS, SIGNAL_LEADS, DealFigures, LeadFigures


def lived_figures() -> tuple[LeadFigures, DealFigures]:
    now = timezone.now()
    leads = LeadFigures(
        received=6, sent=5, decided=8, accepted=6, hours_to_accept=5.0, last_received_at=now, last_sent_at=now
    )
    deals = DealFigures(
        involved=14,
        open_count=3,
        open_pipeline=420_000.0,
        won=8,
        lost=3,
        won_amount=900_000.0,
        sourced=5,
        win_rate_with=8 / 11,
        win_rate_without=0.31,
        closed_without=40,
        cycle_days_with=48.0,
        cycle_days_without=81.0,
        last_joint_at=now,
    )
    return leads, deals


def register_lived(monkeypatch: Any, agreement_ids: Sequence[int]) -> None:
    """Co-selling figures of a lived alliance for these agreements (read at each call; nothing for others)."""
    leads, deals = lived_figures()

    def lead_signal(ids: Sequence[int]) -> dict[int, LeadFigures]:
        return {agreement_id: leads for agreement_id in ids if agreement_id in agreement_ids}

    def deal_signal(ids: Sequence[int]) -> dict[int, DealFigures]:
        return {agreement_id: deals for agreement_id in ids if agreement_id in agreement_ids}

    monkeypatch.setitem(extensions._SIGNALS, SIGNAL_LEADS, lead_signal)
    monkeypatch.setitem(extensions._SIGNALS, SIGNAL_DEALS, deal_signal)
