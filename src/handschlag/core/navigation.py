"""The main navigation: one entry per module that exists, shown only to roles that may use it.

A module adds itself here when it ships; nothing links to a page that is not built.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability


@dataclass(frozen=True)
class NavigationItem:
    url_name: str
    label: str | Promise
    capability: Capability
    section: str


NAVIGATION: list[NavigationItem] = [
    NavigationItem("accounts:list", _("Accounts"), Capability.ACCOUNTS_VIEW, "accounts"),
    NavigationItem("accounts:import_list", _("Imports"), Capability.ACCOUNTS_IMPORT, "imports"),
    NavigationItem("complaints:list", _("Complaints"), Capability.COMPLAINTS_VIEW, "complaints"),
    NavigationItem(
        "complaints:management",
        _("Complaints overview"),
        Capability.COMPLAINTS_MANAGEMENT_VIEW,
        "complaints_management",
    ),
    NavigationItem(
        "complaints:routing_rules", _("Routing rules"), Capability.ROUTING_RULES_MANAGE, "routing_rules"
    ),
    NavigationItem(
        "complaints:sla_policies", _("SLA targets"), Capability.SLA_POLICIES_MANAGE, "sla_policies"
    ),
    NavigationItem("alliances:partner_list", _("Partners"), Capability.PARTNERS_VIEW, "partners"),
    NavigationItem("alliances:offer_list", _("Offer triage"), Capability.OFFERS_TRIAGE, "offers"),
    NavigationItem("alliances:enablement", _("To read"), Capability.ENABLEMENT_REQUIRED, "enablement"),
    NavigationItem("portal:home", _("Partnership"), Capability.PORTAL_USE, "portal"),
    NavigationItem("core:user_list", _("Users"), Capability.USERS_MANAGE, "users"),
    NavigationItem("core:department_list", _("Departments"), Capability.DEPARTMENTS_MANAGE, "departments"),
    NavigationItem("core:audit_list", _("Audit log"), Capability.AUDIT_VIEW, "audit"),
]


def navigation_for(user: User | AnonymousUser) -> list[NavigationItem]:
    return [item for item in NAVIGATION if has_capability(user, item.capability)]
