"""Typed inputs of insights' writes (core/inputs.py): a shared goal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from handschlag.core.inputs import ServiceInput


class GoalInput(ServiceInput):
    kpi_key: str = Field(min_length=1, max_length=64, description="a KPI of GET /api/v1/insights/kpis")
    title: str = Field(min_length=1, max_length=200)
    period_start: dt.date
    period_end: dt.date
    target: Decimal = Field(ge=0, max_digits=16, decimal_places=2)
    department_id: int | None = Field(None, description="measure the KPI for this department only")
    owner_ids: list[int] = Field(
        min_length=2, max_length=20, description="owners from at least two departments"
    )
