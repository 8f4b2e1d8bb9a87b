"""Money: Decimal only, rounded to the penny half up at the points the rules name."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")


def to_penny(amount: Decimal) -> Decimal:
    """Round to the penny, half up (0.005 -> 0.01, -0.005 -> -0.01)."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def money_text(amount: Decimal) -> str:
    """An amount as a string with exactly two decimals, as the JSON outputs write it."""
    return f"{to_penny(amount):.2f}"


def money_display(amount: Decimal, minus: str = "-") -> str:
    """An amount as people read it: £242,950.00, -£5.00 (pages pass the typographic minus)."""
    rounded = to_penny(amount)
    sign = minus if rounded < 0 else ""
    return f"{sign}£{abs(rounded):,.2f}"
