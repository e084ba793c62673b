"""The main navigation: groups of pages, each entry shown only to roles that may open its page.

The top bar holds one entry per group, so it stays one row however many modules ship. A group with one visible
entry is a plain link; a group with more is a drop-down (`<details>`, works without JavaScript). A module adds its
pages to a group when it ships (nothing links to a page that is not built); where the coming modules go:

- concessions (Zugeständnisse) → "accounts"
- co-selling: leads, deal registrations, opportunities, incentive plans → "partners"
- alignment: surveys, materials and campaigns, ICP, shared goals, exchanges → a new group "alignment" after
  "complaints" (label "Marketing and sales")
- insights (dashboards) → a new group "insights" before "settings" (label "Insights")

An entry's capabilities must match what its page checks (any one of them opens the page); the tests open every
entry as every role (tests/core/test_navigation.py), so a link that answers 403 or 404 fails them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability


@dataclass(frozen=True)
class NavigationItem:
    url_name: str
    label: str | Promise
    capabilities: tuple[Capability, ...]  # any one of them opens the page
    # Pages under other paths that belong to this entry (the entry is marked as current there).
    also_under: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavigationGroup:
    key: str
    label: str | Promise
    items: tuple[NavigationItem, ...]


@dataclass(frozen=True)
class VisibleItem:
    url: str
    label: str | Promise
    current: bool = False


@dataclass(frozen=True)
class VisibleGroup:
    """A group as one user sees it: `link` is set when the group has a single entry (no drop-down)."""

    key: str
    label: str | Promise
    items: list[VisibleItem] = field(default_factory=list)
    current: bool = False

    @property
    def link(self) -> VisibleItem | None:
        return self.items[0] if len(self.items) == 1 else None


def _item(
    url_name: str, label: str | Promise, *capabilities: Capability, also_under: tuple[str, ...] = ()
) -> NavigationItem:
    return NavigationItem(url_name, label, capabilities, also_under)


NAVIGATION: tuple[NavigationGroup, ...] = (
    NavigationGroup(
        "accounts",
        pgettext_lazy("navigation group", "Accounts"),
        (
            _item("accounts:list", _("Account list"), Capability.ACCOUNTS_VIEW),
            _item("accounts:import_list", _("Imports"), Capability.ACCOUNTS_IMPORT),
            _item(
                "account_duplicates:list",
                _("Possible duplicates"),
                Capability.ACCOUNTS_EDIT_ALL,
                Capability.ACCOUNTS_EDIT_OWN,
            ),
            _item("concessions:list", _("Concessions"), Capability.CONCESSIONS_VIEW),
            _item("concessions:approvals", _("Concession approvals"), Capability.CONCESSIONS_APPROVE),
            _item("concessions:figures", _("Concession figures"), Capability.CONCESSIONS_ANALYTICS),
        ),
    ),
    NavigationGroup(
        "partners",
        pgettext_lazy("navigation group", "Partners"),
        (
            _item(
                "alliances:partner_list",
                _("Partner list"),
                Capability.PARTNERS_VIEW,
                also_under=("/mappings/",),
            ),
            _item("alliances:enablement", _("To read"), Capability.ENABLEMENT_REQUIRED),
            _item("alliances:offer_list", _("Offer triage"), Capability.OFFERS_TRIAGE),
            _item("alliances:fit_criteria", _("Fit criteria"), Capability.FIT_WEIGHTS_EDIT),
            _item("mapping:exclusions", _("Accounts never shared"), Capability.MAPPINGS_RUN),
            _item(
                "coselling:opportunity_list",
                _("Opportunities"),
                Capability.OPPORTUNITIES_VIEW,
                also_under=("/coselling/opportunities/",),
            ),
            _item("coselling:figures", _("Co-selling figures"), Capability.OPPORTUNITIES_VIEW),
            _item("coselling:lead_list", _("Leads"), Capability.LEADS_WORK),
            _item(
                "coselling:registration_list",
                _("Deal registrations"),
                Capability.OPPORTUNITIES_VIEW,
                Capability.REGISTRATIONS_DECIDE,
            ),
        ),
    ),
    NavigationGroup(
        "complaints",
        pgettext_lazy("navigation group", "Complaints"),
        (
            _item("complaints:list", _("Complaint list"), Capability.COMPLAINTS_VIEW),
            _item("complaints:management", _("Complaints overview"), Capability.COMPLAINTS_MANAGEMENT_VIEW),
            # The figures page opens for those who work cases or see all of them (complaints/views.py).
            _item(
                "complaints:figures",
                _("Complaint figures"),
                Capability.COMPLAINTS_WORK,
                Capability.COMPLAINTS_MANAGEMENT_VIEW,
            ),
            _item("complaints:routing_rules", _("Routing rules"), Capability.ROUTING_RULES_MANAGE),
            _item("complaints:sla_policies", _("SLA targets"), Capability.SLA_POLICIES_MANAGE),
        ),
    ),
    NavigationGroup(
        "alignment",
        pgettext_lazy("navigation group", "Marketing and sales"),
        (
            _item("alignment:survey_list", _("Pulse survey"), Capability.ALIGNMENT_VIEW),
            _item("alignment:figures", _("Alignment figures"), Capability.ALIGNMENT_FIGURES_VIEW),
            _item("alignment:material_list", _("Materials and campaigns"), Capability.ALIGNMENT_VIEW),
            _item("alignment:icp", _("Ideal customer profile"), Capability.ALIGNMENT_VIEW),
            _item("alignment:exchange_list", _("Exchanges"), Capability.ALIGNMENT_VIEW),
            _item("alignment:mql", _("Leads from marketing"), Capability.ALIGNMENT_VIEW),
        ),
    ),
    NavigationGroup(
        "portal",
        pgettext_lazy("navigation group", "Partnership"),
        (
            _item("portal:home", _("Partnership"), Capability.PORTAL_USE),
            _item("portal:leads", _("Leads"), Capability.PORTAL_USE),
            _item("portal:registrations", _("Deal registrations"), Capability.PORTAL_USE),
            _item("portal:opportunities", _("Joint opportunities"), Capability.PORTAL_USE),
        ),
    ),
    NavigationGroup(
        "insights",
        pgettext_lazy("navigation group", "Insights"),
        (
            _item("insights:dashboard", _("Management dashboard"), Capability.INSIGHTS_VIEW),
            _item("insights:goal_list", _("Shared goals"), Capability.GOALS_VIEW),
        ),
    ),
    NavigationGroup(
        "settings",
        pgettext_lazy("navigation group", "Administration"),
        (
            _item("core:user_list", _("Users"), Capability.USERS_MANAGE),
            _item("core:department_list", _("Departments"), Capability.DEPARTMENTS_MANAGE),
            _item("core:audit_list", _("Audit log"), Capability.AUDIT_VIEW),
            _item("core:job_list", _("Background jobs"), Capability.JOBS_MANAGE),
            _item("concessions:settings", _("Concession settings"), Capability.CONCESSIONS_SETTINGS),
            _item("core:privacy", _("Data protection"), Capability.PRIVACY_MANAGE),
        ),
    ),
)


def navigation_items_for(user: User | AnonymousUser) -> list[NavigationItem]:
    """Every entry the user may open, in menu order (what the tests open one by one)."""
    return [
        item
        for group in NAVIGATION
        for item in group.items
        if any(has_capability(user, capability) for capability in item.capabilities)
    ]


def navigation_for(user: User | AnonymousUser, path: str = "") -> list[VisibleGroup]:
    """The groups the user sees, with the entry whose page (or whose path below it) is `path` marked current.

    The longest matching path wins, so /partners/offers/3/ marks "Offer triage", not "Partner list". A group whose
    only entry is its first one keeps the group's label ("Accounts"); otherwise the entry's own label shows
    ("Audit log" for management, who sees nothing else of the administration).
    """
    allowed = set(navigation_items_for(user))
    visible: list[tuple[NavigationGroup, list[tuple[NavigationItem, str]]]] = []
    for group in NAVIGATION:
        entries = [(item, reverse(item.url_name)) for item in group.items if item in allowed]
        if entries:
            visible.append((group, entries))
    current_item = _current(path, [entry for _group, entries in visible for entry in entries])
    groups = []
    for group, entries in visible:
        items = [VisibleItem(url, item.label, item is current_item) for item, url in entries]
        label = group.label
        if len(entries) == 1 and entries[0][0] is not group.items[0]:
            label = entries[0][0].label
        groups.append(VisibleGroup(group.key, label, items, any(item.current for item in items)))
    return groups


def _current(path: str, entries: list[tuple[NavigationItem, str]]) -> NavigationItem | None:
    best: NavigationItem | None = None
    best_length = 0
    for item, url in entries:
        for prefix in (url, *item.also_under):
            if path.startswith(prefix) and len(prefix) > best_length:
                best, best_length = item, len(prefix)
    return best
