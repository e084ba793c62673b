"""What a seller earns on a deal, alone, with a partner, or passing it as a referral — pure functions, no ORM.

Commission = amount * seller's credit (split rule; 100 % alone) * commission rate * multiplier (1 alone, the
plan's sourced or influenced multiplier with a partner), capped per deal. Referral: the partner pays its referral
fee (a share of the amount, capped) and our seller gets his share of that fee. Expected value = commission * our
historical win rate for that way of selling, shown only from MIN_SAMPLE closed deals on, with a Wilson interval
(docs/adr/0310).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from handschlag.core.money import to_money

MIN_SAMPLE = 10
Z_95 = 1.959964


@dataclass(frozen=True)
class PlanTerms:
    seller_commission_percent: Decimal = Decimal("3")
    sourced_multiplier: Decimal = Decimal("1.5")
    influenced_multiplier: Decimal = Decimal("1.2")
    seller_credit_percent: Decimal = Decimal("100")
    referral_fee_percent: Decimal = Decimal("0")
    seller_referral_share_percent: Decimal = Decimal("50")
    commission_cap: Decimal | None = None
    referral_fee_cap: Decimal | None = None


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a share (95 % by default); (0, 1) without observations."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class WinRate:
    won: int
    closed: int

    @property
    def enough(self) -> bool:
        return self.closed >= MIN_SAMPLE

    @property
    def rate(self) -> float | None:
        return self.won / self.closed if self.enough else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.won, self.closed) if self.enough else None

    @property
    def percent(self) -> int | None:
        rate = self.rate
        return None if rate is None else round(rate * 100)

    @property
    def interval_percent(self) -> tuple[int, int] | None:
        interval = self.interval
        return None if interval is None else (round(interval[0] * 100), round(interval[1] * 100))


def _cap(value: Decimal, cap: Decimal | None) -> Decimal:
    return min(value, cap) if cap is not None else value


def commission_alone(amount: Decimal, plan: PlanTerms) -> Decimal:
    return to_money(_cap(amount * plan.seller_commission_percent / 100, plan.commission_cap))


def commission_with_partner(amount: Decimal, plan: PlanTerms, *, sourced: bool) -> Decimal:
    multiplier = plan.sourced_multiplier if sourced else plan.influenced_multiplier
    credited = amount * plan.seller_credit_percent / 100
    return to_money(_cap(credited * plan.seller_commission_percent / 100 * multiplier, plan.commission_cap))


def referral_fee(amount: Decimal, plan: PlanTerms) -> Decimal:
    return to_money(_cap(amount * plan.referral_fee_percent / 100, plan.referral_fee_cap))


def commission_referral(amount: Decimal, plan: PlanTerms) -> Decimal:
    share = referral_fee(amount, plan) * plan.seller_referral_share_percent / 100
    return to_money(_cap(share, plan.commission_cap))


@dataclass(frozen=True)
class Option:
    """One way of selling the deal: what the seller earns if it is won, and what he can expect."""

    key: str  # "alone", "sourced", "influenced", "referral"
    commission: Decimal
    win_rate: WinRate

    @property
    def expected(self) -> Decimal | None:
        rate = self.win_rate.rate
        return None if rate is None else to_money(self.commission * Decimal(str(round(rate, 6))))

    @property
    def expected_range(self) -> tuple[Decimal, Decimal] | None:
        interval = self.win_rate.interval
        if interval is None:
            return None
        low, high = interval
        return (
            to_money(self.commission * Decimal(str(round(low, 6)))),
            to_money(self.commission * Decimal(str(round(high, 6)))),
        )


def options(
    amount: Decimal, plan: PlanTerms, *, alone: WinRate, with_partner: WinRate, referral: WinRate
) -> list[Option]:
    result = [
        Option("alone", commission_alone(amount, plan), alone),
        Option("influenced", commission_with_partner(amount, plan, sourced=False), with_partner),
        Option("sourced", commission_with_partner(amount, plan, sourced=True), with_partner),
    ]
    if plan.referral_fee_percent > 0:
        result.append(Option("referral", commission_referral(amount, plan), referral))
    return result
