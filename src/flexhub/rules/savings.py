"""The arithmetic of savings against the targets (issue 12): what a member was invoiced in a year
of membership against its baseline costs before it joined, pro rata to the months billed, as a
saving in pounds and as a percentage beside the framework's targets. Pure functions of Decimals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flexhub.rules.money import to_penny

MONTHS_IN_A_YEAR = 12


def baseline_for_months(annual: Decimal, months: int) -> Decimal:
    """An annual baseline cost for the months of a year that were billed (a year of membership
    that starts in June is compared with seven twelfths of the annual cost), to the penny."""
    if annual < 0:
        raise ValueError("a baseline cost cannot be negative")
    if not 0 <= months <= MONTHS_IN_A_YEAR:
        raise ValueError("a year has twelve months")
    return to_penny(annual * months / MONTHS_IN_A_YEAR)


def percent_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part` as a percentage of `whole`, to one decimal place half up; None for a whole of 0."""
    if whole == 0:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SavingsYear:
    """A member's year against its baseline: what it would have spent (pro rata), what it was
    invoiced, the saving in pounds and in percent, and whether the targets are met."""

    months: int
    baseline_it: Decimal
    baseline_desktop: Decimal
    invoiced_it: Decimal
    invoiced_desktop: Decimal
    target_it_percent: Decimal
    target_desktop_percent: Decimal
    pooling_saving: Decimal

    @property
    def saving_it(self) -> Decimal:
        return self.baseline_it - self.invoiced_it

    @property
    def saving_desktop(self) -> Decimal:
        return self.baseline_desktop - self.invoiced_desktop

    @property
    def saving_it_percent(self) -> Decimal | None:
        return percent_of(self.saving_it, self.baseline_it)

    @property
    def saving_desktop_percent(self) -> Decimal | None:
        return percent_of(self.saving_desktop, self.baseline_desktop)

    @property
    def it_target_met(self) -> bool:
        percent = self.saving_it_percent
        return percent is not None and percent >= self.target_it_percent

    @property
    def desktop_target_met(self) -> bool:
        percent = self.saving_desktop_percent
        return percent is not None and percent >= self.target_desktop_percent


def savings_year(
    *,
    months: int,
    annual_it: Decimal,
    annual_desktop: Decimal,
    invoiced_it: Decimal,
    invoiced_desktop: Decimal,
    target_it_percent: Decimal,
    target_desktop_percent: Decimal,
    pooling_saving: Decimal,
) -> SavingsYear:
    """A year's savings: the baselines pro rata to the months billed, against what was invoiced."""
    for name, target in (("IT", target_it_percent), ("desktop", target_desktop_percent)):
        if not 0 <= target <= 100:
            raise ValueError(f"the {name} target is a percentage from 0 to 100")
    return SavingsYear(
        months=months,
        baseline_it=baseline_for_months(annual_it, months),
        baseline_desktop=baseline_for_months(annual_desktop, months),
        invoiced_it=invoiced_it,
        invoiced_desktop=invoiced_desktop,
        target_it_percent=target_it_percent,
        target_desktop_percent=target_desktop_percent,
        pooling_saving=pooling_saving,
    )
