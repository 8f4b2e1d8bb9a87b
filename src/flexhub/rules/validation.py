"""What makes an entered value acceptable, decided once for every way in.

A scenario file, a form, the API and the CLI all reach the same services; the
scenario checker must also say, before anything is written, everything the
services would refuse. Both ask these functions, so the two cannot drift.
Each returns problems with a place relative to the thing checked
(`lines[1].start`, or "" for the thing itself) and a message in plain words;
the scenario checker prefixes its own path, a service raises the first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CODE_MAX_LENGTH = 32
_CODE = re.compile(r"^[A-Za-z0-9_.-]+$")
_DECIMAL = re.compile(r"^\d+(\.\d+)?$")

PRICE_PLACES = 4  # a unit price may be a fraction of a penny (£0.0125 a GB)
MONEY_PLACES = 2  # a ceiling or an amount: pounds and pence
RECURRING_UNITS = ("seat-month", "unit-month")  # charged on contract lines; the others by delivery
DELIVERY_PLACES = 2  # half or quarter days


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    @property
    def field(self) -> str:
        """The top-level field the problem belongs to (`lines` for `lines[1].start`)."""
        return re.split(r"[.\[]", self.where, maxsplit=1)[0]

    def under(self, path: str) -> str:
        """The full path of the problem under `path` (`contracts[0]` + `lines[1].start`)."""
        if not self.where:
            return path
        return f"{path}{'' if self.where.startswith('[') else '.'}{self.where}"


def code_problem(value: str) -> str | None:
    """Codes and references (organisations, services, contracts, tickets, towers) are short and
    plain, so they read the same in a URL, a file name and a spreadsheet cell."""
    if len(value) > CODE_MAX_LENGTH or not _CODE.match(value):
        return f"{value!r} is not a code (letters, digits, - _ . up to {CODE_MAX_LENGTH})"
    return None


def decimal_problem(text: str, *, places: int, what: str = "an amount") -> str | None:
    """A non-negative decimal written with at most `places` decimal places."""
    if not _DECIMAL.match(text):
        if text.startswith("-") and _DECIMAL.match(text[1:]):
            return f"must not be negative, got {text}"
        return f"{text!r} is not {what}"
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern rules it out
        return f"{text!r} is not {what}"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        return f"{text} has more than {places} decimal places"
    return None


def price_problem(text: str) -> str | None:
    return decimal_problem(text, places=PRICE_PLACES, what="a price")


def money_problem(text: str) -> str | None:
    return decimal_problem(text, places=MONEY_PLACES, what="an amount in pounds and pence")


def vat_rate_problem(rate: Decimal, text: str) -> str | None:
    if not Decimal(0) <= rate < 1:
        return f"a VAT rate is a fraction (0.20 for 20%), got {text}"
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > 4:
        return f"a VAT rate has at most 4 decimal places, got {text}"
    return None


def vat_schedule_problems(rates: Sequence[tuple[dt.date, Decimal, str]], framework_start: dt.date) -> list[Problem]:
    """VAT rates `(from, rate, as written)`: at least one, each a fraction, in date order, one in
    force when the framework starts."""
    if not rates:
        return [Problem("", "give at least one VAT rate")]
    problems: list[Problem] = []
    for i, (start, rate, text) in enumerate(rates):
        if problem := vat_rate_problem(rate, text):
            problems.append(Problem(f"[{i}].rate", problem))
        if i and start <= rates[i - 1][0]:
            problems.append(Problem(f"[{i}].from", "VAT rates must be in date order, each from a later date"))
    if rates[0][0] > framework_start:
        problems.append(Problem("[0].from", f"no VAT rate is in force at the framework's start ({framework_start})"))
    return problems


def band_problems(pricing_model: str, bands: Sequence[tuple[int, str]]) -> list[Problem]:
    """A flat price is one band from 0; pooled bands start from 0 and rise; every price is a price."""
    if not bands:
        return [Problem("bands", "give at least one band")]
    problems: list[Problem] = []
    if pricing_model == "flat" and len(bands) != 1:
        problems.append(Problem("bands", "a flat price has exactly one band"))
    previous: int | None = None
    for i, (start, text) in enumerate(bands):
        price = price_problem(text.strip())
        if price:
            problems.append(Problem(f"bands[{i}].price", price))
        if i == 0 and start != 0:
            problems.append(Problem(f"bands[{i}].from", f"the first band must start from 0, not {start}"))
        elif previous is not None and start <= previous:
            problems.append(Problem(f"bands[{i}].from", "bands must be in order of `from`, each larger than the last"))
        previous = start
    return problems


EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


def date_range_problem(day: dt.date) -> str | None:
    """Why a date is outside those flexhub works with, or None. Month ends, time zones and
    bank holidays near year 1 or 9999 fall off Python's calendar (a timestamp on 1 January of
    year 1 an hour ahead of UTC has no UTC time at all), so a date that far out is a typing
    slip, refused where it is written rather than failing a load or a bill."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        return f"{day} is outside the dates flexhub works with ({EARLIEST_DATE} to {LATEST_DATE})"
    return None


def framework_term_problems(start: dt.date, end: dt.date) -> list[Problem]:
    problems = [Problem(key, p) for key, day in (("start", start), ("end", end)) if (p := date_range_problem(day))]
    if problems:
        return problems
    if end < start:
        return [Problem("end", f"the framework ends ({end}) before it starts ({start})")]
    return []


@dataclass(frozen=True)
class LineShape:
    service: str
    quantity: int
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class ChangeShape:
    service: str
    effective: dt.date
    quantity: int


def contract_problems(
    *,
    framework_term: tuple[dt.date, dt.date],
    signed: dt.date | None,
    start: dt.date,
    end: dt.date,
    lines: Sequence[LineShape],
    changes: Sequence[ChangeShape],
    units: Mapping[str, str],
) -> list[Problem]:
    """A contract's shape: its term inside the framework's, one line per recurring service of
    the catalogue (`units`: service code to unit), dates inside the contract, quantities of 0
    or more, each change of a service it has a line for, one change per service and day."""
    problems: list[Problem] = [
        Problem(key, p)
        for key, day in (("signed", signed), ("start", start), ("end", end))
        if day is not None and (p := date_range_problem(day))
    ]
    if problems:
        return problems
    if end < start:
        return [Problem("end", f"the contract ends ({end}) before it starts ({start})")]
    if signed is not None and signed > end:
        problems.append(Problem("signed", f"signed ({signed}) after the contract ends ({end})"))
    first, last = framework_term
    if start < first or end > last:
        problems.append(
            Problem("", f"the contract ({start} to {end}) runs outside the framework's term ({first} to {last})")
        )
    if not lines:
        problems.append(Problem("lines", "a contract needs at least one line"))
    seen: set[str] = set()
    for j, line in enumerate(lines):
        here = f"lines[{j}]"
        unit = units.get(line.service)
        if unit is None:
            problems.append(Problem(f"{here}.service", f"unknown service {line.service!r}"))
            continue
        if unit not in RECURRING_UNITS:
            problems.append(
                Problem(f"{here}.service", f"{line.service} is charged per {unit}: record it as a delivery, not a line")
            )
        if line.service in seen:
            problems.append(Problem(f"{here}.service", f"the contract already has a line for {line.service}"))
        seen.add(line.service)
        if line.quantity < 0:
            problems.append(Problem(f"{here}.quantity", f"must be 0 or more, got {line.quantity}"))
        for key, value in (("start", line.start), ("end", line.end)):
            if value is not None and not start <= value <= end:
                problems.append(Problem(f"{here}.{key}", f"{value} is outside the contract ({start} to {end})"))
        if (line.end or end) < (line.start or start):
            problems.append(Problem(f"{here}.end", "the line ends before it starts"))
    changed: set[tuple[str, dt.date]] = set()
    for j, change in enumerate(changes):
        here = f"changes[{j}]"
        if change.service not in seen:
            problems.append(Problem(f"{here}.service", f"the contract has no line for {change.service} to change"))
        if not start <= change.effective <= end:
            problems.append(
                Problem(f"{here}.effective", f"{change.effective} is outside the contract ({start} to {end})")
            )
        if change.quantity < 0:
            problems.append(Problem(f"{here}.quantity", f"must be 0 or more, got {change.quantity}"))
        if (change.service, change.effective) in changed:
            problems.append(Problem(here, f"a second change of {change.service} effective {change.effective}"))
        changed.add((change.service, change.effective))
    return problems


def delivery_problems(
    *, service: str, unit: str, contract_term: tuple[dt.date, dt.date], day: dt.date, quantity: Decimal
) -> list[Problem]:
    """Only day-rate and fixed services are delivered; on a day of the contract; more than 0;
    in fractions (to two places) only by the day."""
    problems: list[Problem] = []
    if unit in RECURRING_UNITS:
        problems.append(Problem("service", f"{service} is charged per {unit} on a contract line, not by delivery"))
    start, end = contract_term
    if not start <= day <= end:
        problems.append(Problem("date", f"{day} is outside the contract ({start} to {end})"))
    if quantity <= 0:
        problems.append(Problem("quantity", f"must be more than 0, got {quantity}"))
    elif unit != "day" and quantity != quantity.to_integral_value():
        problems.append(Problem("quantity", f"only day services may be delivered in fractions, got {quantity}"))
    else:
        exponent = quantity.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > DELIVERY_PLACES:
            problems.append(Problem("quantity", f"at most {DELIVERY_PLACES} decimal places, got {quantity}"))
    return problems


def business_hours_problems(days: Sequence[str], start: dt.time, end: dt.time) -> list[Problem]:
    problems: list[Problem] = []
    if not days:
        problems.append(Problem("days", "give at least one business day"))
    for i, day in enumerate(days):
        if day in days[:i]:
            problems.append(Problem(f"days[{i}]", f"{day} is given twice"))
    if end <= start:
        problems.append(Problem("end", "business hours must end after they start"))
    return problems


def sla_target_problems(respond: int, resolve: int) -> list[Problem]:
    problems = []
    for key, minutes in (("respond", respond), ("resolve", resolve)):
        if minutes < 1:
            problems.append(Problem(key, f"must be 1 or more, got {minutes}"))
    return problems


def service_credit_problems(per_breach: Decimal, cap: Decimal, cap_text: str) -> list[Problem]:
    """Credits are percentages of the month's core charge: never negative, capped at 100."""
    problems = []
    if per_breach < 0:
        problems.append(Problem("per_breach", f"must not be negative, got {per_breach}"))
    if cap < 0 or cap > 100:
        problems.append(Problem("cap", f"a cap is a percentage of at most 100, got {cap_text}"))
    return problems


# A UK VAT registration number: GB and nine digits (twelve for a branch), or a government
# department (GD) or health authority (HA) number of three digits.
_VAT_NUMBER = re.compile(r"^GB(\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2})$")
PAYMENT_TERMS_MAX_DAYS = 365


def vat_number_text(value: str) -> str:
    """A VAT number as stored: capitals, no spaces or dots (`gb 123 4567 82` -> `GB123456782`)."""
    return re.sub(r"[\s.]", "", value).upper()


def _vat_check_digits_hold(digits: str) -> bool:
    """HMRC's check on the first nine digits: weights 8 down to 2 on the first seven plus the
    last two as a number, a multiple of 97 either as it is or after adding 55."""
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1), strict=True)) + int(digits[7:9])
    return total % 97 == 0 or (total + 55) % 97 == 0


def vat_number_problem(value: str) -> str | None:
    """Why a UK VAT registration number is not one, or None (an empty one is no problem)."""
    text = vat_number_text(value)
    if not text:
        return None
    if not _VAT_NUMBER.match(text):
        return f"{value!r} is not a UK VAT number (GB and 9 digits, such as GB123456782)"
    if text[2:].isdigit() and not _vat_check_digits_hold(text[2:11]):
        return f"{value!r} is not a UK VAT number: its check digits do not match"
    return None


def payment_terms_problem(days: int) -> str | None:
    """Why a number of days to pay is not acceptable, or None."""
    if days < 0 or days > PAYMENT_TERMS_MAX_DAYS:
        return f"payment terms are from 0 to {PAYMENT_TERMS_MAX_DAYS} days, not {days}"
    return None


# What the database will hold. A check that passes must mean the write cannot fail, so the
# limits of the columns (passed in by the app that owns the model: the rules know no Django)
# are checked with everything else, and reported where the value was written.

NUL = "\x00"


def text_problem(value: str, *, max_length: int | None = None) -> str | None:
    """Why text cannot be stored as written, or None: PostgreSQL refuses a NUL character in
    text, and a column refuses (or, on SQLite, would silently keep) text longer than it."""
    if NUL in value:
        return "contains a NUL character (\\0), which cannot be stored"
    if max_length is not None and len(value) > max_length:
        return f"at most {max_length} characters, got {len(value)}"
    return None


def digits_problem(value: Decimal, *, max_digits: int, places: int) -> str | None:
    """Why a decimal does not fit a column of `max_digits` digits, `places` of them after the
    point, or None. Django would refuse it with an exception and PostgreSQL with an overflow."""
    if not value.is_finite():
        return f"{value} is not a number"
    whole = max_digits - places
    if abs(value) >= Decimal(10) ** whole:
        return f"{value} is too large: at most {whole} digits before the decimal point"
    return None


def whole_number_problem(value: int, *, maximum: int) -> str | None:
    """Why a whole number does not fit its integer column, or None."""
    if value > maximum:
        shown = value if value.bit_length() <= 64 else "the number"  # no 4,000-digit message
        return f"{shown} is too large (at most {maximum})"
    return None
