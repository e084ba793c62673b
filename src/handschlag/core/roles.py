"""What each role may do: the one table every access check reads.

Pages, API endpoints, commands and tasks never test a role by name; they ask `has_capability(user, …)` or an
`access_<thing>_by_id` function built on it, so the rules live here and nowhere else.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from handschlag.core.enums import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from handschlag.core.models import User


class Capability(enum.Enum):
    ACCOUNTS_VIEW = "accounts.view"
    ACCOUNTS_CREATE = "accounts.create"
    ACCOUNTS_EDIT_OWN = "accounts.edit_own"
    ACCOUNTS_EDIT_ALL = "accounts.edit_all"
    ACCOUNTS_DELETE = "accounts.delete"
    ACCOUNTS_EXPORT = "accounts.export"
    ACCOUNTS_IMPORT = "accounts.import"
    USERS_MANAGE = "users.manage"
    DEPARTMENTS_MANAGE = "departments.manage"
    AUDIT_VIEW = "audit.view"
    API_TOKENS_OWN = "api_tokens.own"
    PARTNERS_VIEW = "partners.view"
    PARTNERS_MANAGE = "partners.manage"
    OFFERS_TRIAGE = "offers.triage"
    FIT_WEIGHTS_EDIT = "fit_weights.edit"
    ENABLEMENT_REQUIRED = "enablement.required"
    MAPPINGS_RUN = "mappings.run"
    PORTAL_USE = "portal.use"
    COMPLAINTS_VIEW = "complaints.view"
    COMPLAINTS_CREATE = "complaints.create"
    COMPLAINTS_WORK = "complaints.work"
    COMPLAINTS_MANAGEMENT_VIEW = "complaints.management_view"
    ROUTING_RULES_MANAGE = "routing_rules.manage"
    SLA_POLICIES_MANAGE = "sla_policies.manage"
    JOBS_MANAGE = "jobs.manage"
    PRIVACY_MANAGE = "privacy.manage"
    # insights: the dashboards (management), shared goals (everyone internal reads them, management sets them)
    INSIGHTS_VIEW = "insights.view"
    GOALS_VIEW = "goals.view"
    GOALS_MANAGE = "goals.manage"
    CONCESSIONS_VIEW = "concessions.view"
    CONCESSIONS_RECORD = "concessions.record"
    CONCESSIONS_VIEW_ALL = "concessions.view_all"
    CONCESSIONS_APPROVE = "concessions.approve"
    CONCESSIONS_ANALYTICS = "concessions.analytics"
    CONCESSIONS_SETTINGS = "concessions.settings"
    # alignment of marketing and sales (docs/adr/0401): answer the pulse survey, read its figures and the ICP
    # reports, manage surveys, materials, campaigns and the ICP, give feedback on material, record exchanges
    ALIGNMENT_VIEW = "alignment.view"
    ALIGNMENT_FIGURES_VIEW = "alignment.figures_view"
    SURVEY_ANSWER = "surveys.answer"
    SURVEYS_MANAGE = "surveys.manage"
    MARKETING_MANAGE = "marketing.manage"
    MATERIAL_FEEDBACK = "materials.feedback"
    EXCHANGES_RECORD = "exchanges.record"
    OPPORTUNITIES_VIEW = "opportunities.view"
    OPPORTUNITIES_EDIT = "opportunities.edit"
    OPPORTUNITIES_IMPORT = "opportunities.import"
    LEADS_WORK = "leads.work"
    REGISTRATIONS_DECIDE = "registrations.decide"
    INCENTIVES_MANAGE = "incentives.manage"


_INTERNAL_BASE = {
    Capability.GOALS_VIEW,
    Capability.ACCOUNTS_VIEW,
    Capability.ACCOUNTS_EXPORT,
    Capability.API_TOKENS_OWN,
    Capability.PARTNERS_VIEW,
    Capability.ALIGNMENT_VIEW,
}
# Marketing and sales answer the pulse survey; sales rates marketing's material; management and marketing read the
# figures (never one person's answers: there are none to read, docs/adr/0401).
_SALES_ALIGNMENT = {Capability.SURVEY_ANSWER, Capability.MATERIAL_FEEDBACK, Capability.EXCHANGES_RECORD}
_MARKETING_ALIGNMENT = {
    Capability.SURVEY_ANSWER,
    Capability.SURVEYS_MANAGE,
    Capability.MARKETING_MANAGE,
    Capability.ALIGNMENT_FIGURES_VIEW,
    Capability.EXCHANGES_RECORD,
}
_MANAGEMENT_ALIGNMENT = {
    Capability.ALIGNMENT_FIGURES_VIEW,
    Capability.SURVEYS_MANAGE,
    Capability.EXCHANGES_RECORD,
}
_PARTNERSHIP_WORK = {
    Capability.PARTNERS_MANAGE,
    Capability.OFFERS_TRIAGE,
    Capability.FIT_WEIGHTS_EDIT,
    Capability.MAPPINGS_RUN,
}
# Complaints (docs/adr/0201): every internal user sees the cases that concern him; process owners work them;
# management sees all, triages the unrouted ones and reads the figures; admins edit the routing rules.
_COMPLAINTS_BASE = {Capability.COMPLAINTS_VIEW, Capability.COMPLAINTS_CREATE}
_COMPLAINTS_MANAGEMENT = _COMPLAINTS_BASE | {
    Capability.COMPLAINTS_WORK,
    Capability.COMPLAINTS_MANAGEMENT_VIEW,
}
# Concessions (issue 13): sellers record and see their accounts' entries; management sees all, approves above the
# limits and reads the figures; admins set the limits and the interest rate. Marketing and the others see none.
_CONCESSIONS_SELLER = {Capability.CONCESSIONS_VIEW, Capability.CONCESSIONS_RECORD}
_CONCESSIONS_MANAGEMENT = _CONCESSIONS_SELLER | {
    Capability.CONCESSIONS_VIEW_ALL,
    Capability.CONCESSIONS_APPROVE,
    Capability.CONCESSIONS_ANALYTICS,
}

# Co-selling (issue 12): every internal user but the process owner sees opportunities; sellers, partner
# managers and management work them and the leads; partner managers and management decide deal registrations
# and keep the incentive plans; management imports opportunities from CRM exports (an import creates and moves
# opportunities, which admins, who read them, do not).
_COSELLING_VIEW = {Capability.OPPORTUNITIES_VIEW}
_COSELLING_WORK = _COSELLING_VIEW | {Capability.OPPORTUNITIES_EDIT, Capability.LEADS_WORK}
_COSELLING_DECIDE = {Capability.REGISTRATIONS_DECIDE, Capability.INCENTIVES_MANAGE}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.SELLER: frozenset(
        _INTERNAL_BASE
        | _COMPLAINTS_BASE
        | {Capability.ACCOUNTS_CREATE, Capability.ACCOUNTS_EDIT_OWN, Capability.ENABLEMENT_REQUIRED}
        | _COSELLING_WORK
        | _CONCESSIONS_SELLER
        | _SALES_ALIGNMENT
    ),
    Role.PARTNER_MANAGER: frozenset(
        _INTERNAL_BASE
        | _COMPLAINTS_BASE
        | _PARTNERSHIP_WORK
        | {Capability.ENABLEMENT_REQUIRED}
        | _COSELLING_WORK
        | _COSELLING_DECIDE
        | _SALES_ALIGNMENT
    ),
    Role.PROCESS_OWNER: frozenset(_INTERNAL_BASE | _COMPLAINTS_BASE | {Capability.COMPLAINTS_WORK}),
    Role.MARKETING: frozenset(
        _INTERNAL_BASE | {Capability.COMPLAINTS_VIEW} | _COSELLING_VIEW | _MARKETING_ALIGNMENT
    ),
    Role.MANAGEMENT: frozenset(
        _INTERNAL_BASE
        | {
            Capability.ACCOUNTS_CREATE,
            Capability.ACCOUNTS_EDIT_ALL,
            Capability.ACCOUNTS_DELETE,
            Capability.ACCOUNTS_IMPORT,
            Capability.AUDIT_VIEW,
        }
        | _COMPLAINTS_MANAGEMENT
        | _PARTNERSHIP_WORK
        | _COSELLING_WORK
        | _COSELLING_DECIDE
        | {Capability.OPPORTUNITIES_IMPORT}
        | _MANAGEMENT_ALIGNMENT
        | {Capability.INSIGHTS_VIEW, Capability.GOALS_MANAGE}
        | _CONCESSIONS_MANAGEMENT
    ),
    Role.ADMIN: frozenset(
        _INTERNAL_BASE
        | _COMPLAINTS_MANAGEMENT
        | {Capability.ROUTING_RULES_MANAGE, Capability.SLA_POLICIES_MANAGE, Capability.JOBS_MANAGE}
        | {Capability.PRIVACY_MANAGE}
        | {Capability.CONCESSIONS_SETTINGS}
        | _COSELLING_VIEW
        | {
            Capability.ACCOUNTS_CREATE,
            Capability.ACCOUNTS_EDIT_ALL,
            Capability.ACCOUNTS_DELETE,
            Capability.ACCOUNTS_IMPORT,
            Capability.USERS_MANAGE,
            Capability.DEPARTMENTS_MANAGE,
            Capability.AUDIT_VIEW,
        }
    ),
    # Partner users live in the portal. They get nothing of ours unless a module grants it explicitly
    # through a partnership's sharing rules.
    Role.PARTNER_USER: frozenset({Capability.API_TOKENS_OWN, Capability.PORTAL_USE}),
}


def has_capability(user: User | AnonymousUser, capability: Capability) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())


def is_internal(user: User | AnonymousUser) -> bool:
    """True for a logged-in user of the home company (anyone but a partner user)."""
    return bool(user.is_authenticated and user.is_active and user.role != Role.PARTNER_USER)
