"""How the modules above alliances extend its pages and its health score. Alliances imports none of them.

Each module registers in its AppConfig.ready (as with `core.demo` and `core.home`):

- `agreement_section_register`: a part of the agreement page for our people (mapping: the sharing rules and the
  mapping runs);
- `portal_section_register`: a part of each agreement's card in the partner portal (mapping: the sharing rules
  the partner agrees to, his mapping and his uploads);
- `partner_section_register` / `partner_list_section_register`: a part of the partner page / below the partner list
  (co-selling: its figures as charts with tables and CSV);
- `partnership_signal_register`: what the health score reads from another module, per agreement (mapping: when
  the latest account mapping finished; co-selling: `LeadFigures` under SIGNAL_LEADS and `DealFigures` under
  SIGNAL_DEALS).

A section is a template rendered inside the page with the page's context plus what the section's `context`
function returns under the name `section`. Registered in the order of `order`; a later registration of the same
name replaces the earlier one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

    from handschlag.alliances.models import Agreement, Partner


@dataclass(frozen=True)
class AgreementSection:
    """A part of the agreement page (our people only); `context(request, agreement)` gives its variables."""

    name: str
    order: int
    template: str
    context: Callable[[HttpRequest, Agreement], dict[str, Any]]


@dataclass(frozen=True)
class PortalSection:
    """A part of one agreement's card in the partner portal.

    `context(request, agreement, bound)` gives its variables; `bound` is the section's form as its own view failed
    to save it (shown again with its errors, `portal_home.portal_home_render`), else None."""

    name: str
    order: int
    template: str
    context: Callable[[HttpRequest, Agreement, Any | None], dict[str, Any]]


@dataclass(frozen=True)
class PartnerSection:
    """A part of the partner page (`partner` set) or of the partner list (`partner` None), for our people only;
    `context(request, partner)` gives its variables (co-selling: the figures of DESIGN §3.8 as charts)."""

    name: str
    order: int
    template: str
    context: Callable[[HttpRequest, Partner | None], dict[str, Any]]


@dataclass(frozen=True)
class RenderedSection:
    template: str
    context: dict[str, Any]


@dataclass(frozen=True)
class BoundForm:
    """A form a portal section's view could not save, for the agreement whose card shows it again."""

    section: str
    agreement_id: int
    form: Any


@dataclass(frozen=True)
class LeadFigures:
    """What the partnership's leads did in the last `LEAD_WINDOW_DAYS` (co-selling registers it as SIGNAL_LEADS).

    `received`: leads the partner offered us; `sent`: leads we offered the partner; `decided`/`accepted`: of the
    leads either side received, how many were decided and accepted; `hours_to_accept`: the median time from offer
    to acceptance (None without an accepted lead); `last_received_at`/`last_sent_at`: the latest offer each way
    (any time, not only within the window) — recency of activity on both sides."""

    received: int = 0
    sent: int = 0
    decided: int = 0
    accepted: int = 0
    hours_to_accept: float | None = None
    last_received_at: dt.datetime | None = None
    last_sent_at: dt.datetime | None = None


@dataclass(frozen=True)
class DealFigures:
    """The partnership's joint opportunities (co-selling registers it as SIGNAL_DEALS), all time.

    `involved`: opportunities with the partner involved; `open_pipeline`: the amount of the open ones (EUR);
    `won`/`lost`: the closed ones; `rescues`: involvements that were rescues; `win_rate_with`/`_without`: our win
    rate on closed deals with this partner and without any partner (None below `MIN_SAMPLE` closed deals);
    `cycle_days_with`/`_without`: median days from creation to close of won deals; `last_joint_at`: when the
    partner last came into a deal."""

    involved: int = 0
    open_count: int = 0
    open_pipeline: float = 0.0
    won: int = 0
    lost: int = 0
    won_amount: float = 0.0
    rescues: int = 0
    sourced: int = 0
    win_rate_with: float | None = None
    win_rate_without: float | None = None
    closed_without: int = 0
    cycle_days_with: float | None = None
    cycle_days_without: float | None = None
    last_joint_at: dt.datetime | None = None
    rescue_titles: tuple[str, ...] = ()  # the latest rescue deals, named in the verdict's reason

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def rescue_share(self) -> float | None:
        return self.rescues / self.involved if self.involved else None


LEAD_WINDOW_DAYS = 90  # a quarter: the agreement's lead targets are per quarter

# what a module reads for each agreement id (agreements without anything are left out), in a fixed number of
# queries whatever the number of agreements: a moment (SIGNAL_ACCOUNT_MAPPING), or the figures above
PartnershipSignal = Callable[[Sequence[int]], Mapping[int, Any]]

# the signals the health score knows (alliances/scoring.py gives them points and reasons)
SIGNAL_ACCOUNT_MAPPING = "account_mapping"  # dt.datetime: the latest account mapping that finished
SIGNAL_LEADS = "leads"  # LeadFigures
SIGNAL_DEALS = "deals"  # DealFigures

_AGREEMENT_SECTIONS: dict[str, AgreementSection] = {}
_PARTNER_SECTIONS: dict[str, PartnerSection] = {}
_PARTNER_LIST_SECTIONS: dict[str, PartnerSection] = {}
_PORTAL_SECTIONS: dict[str, PortalSection] = {}
_SIGNALS: dict[str, PartnershipSignal] = {}


def agreement_section_register(section: AgreementSection) -> None:
    _AGREEMENT_SECTIONS[section.name] = section


def partner_section_register(section: PartnerSection) -> None:
    """A section of each partner's page."""
    _PARTNER_SECTIONS[section.name] = section


def partner_list_section_register(section: PartnerSection) -> None:
    """A section below the partner list (called with partner None)."""
    _PARTNER_LIST_SECTIONS[section.name] = section


def partner_sections_for(request: HttpRequest, partner: Partner | None) -> list[RenderedSection]:
    registry = _PARTNER_SECTIONS if partner is not None else _PARTNER_LIST_SECTIONS
    return [
        RenderedSection(template=section.template, context=section.context(request, partner))
        for section in sorted(registry.values(), key=lambda section: section.order)
    ]


def portal_section_register(section: PortalSection) -> None:
    _PORTAL_SECTIONS[section.name] = section


def partnership_signal_register(name: str, signal: PartnershipSignal) -> None:
    _SIGNALS[name] = signal


def agreement_sections_for(request: HttpRequest, agreement: Agreement) -> list[RenderedSection]:
    return [
        RenderedSection(template=section.template, context=section.context(request, agreement))
        for section in sorted(_AGREEMENT_SECTIONS.values(), key=lambda section: section.order)
    ]


def portal_sections_for(
    request: HttpRequest, agreement: Agreement, *, bound: BoundForm | None = None
) -> list[RenderedSection]:
    sections = []
    for section in sorted(_PORTAL_SECTIONS.values(), key=lambda section: section.order):
        form = (
            bound.form
            if bound is not None and bound.section == section.name and bound.agreement_id == agreement.pk
            else None
        )
        sections.append(
            RenderedSection(template=section.template, context=section.context(request, agreement, form))
        )
    return sections


def partnership_signals_for(agreement_ids: Sequence[int]) -> dict[str, Mapping[int, Any]]:
    """Every registered signal for the agreements; a signal no module registered reads as absent (empty)."""
    ids = list(agreement_ids)
    return {name: signal(ids) if ids else {} for name, signal in _SIGNALS.items()}
