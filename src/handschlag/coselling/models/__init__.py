"""Co-selling models: opportunities (models/opportunities.py) and leads/deal registrations (models/leads.py)."""

from handschlag.coselling.models.leads import DealRegistration, Lead
from handschlag.coselling.models.opportunities import (
    IncentivePlan,
    Opportunity,
    PartnerInvolvement,
    Pipeline,
    PipelineStage,
    ProductLine,
    RiskChange,
    StageChange,
)

__all__ = [
    "DealRegistration",
    "IncentivePlan",
    "Lead",
    "Opportunity",
    "PartnerInvolvement",
    "Pipeline",
    "PipelineStage",
    "ProductLine",
    "RiskChange",
    "StageChange",
]
