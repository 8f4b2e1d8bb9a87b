"""The what-if simulator: "if a body of 20,000 seats joins, everyone's price becomes ..."."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flexhub.billing.selectors import billing_terms
from flexhub.core.errors import RuleError
from flexhub.frameworks.models import Framework
from flexhub.frameworks.selectors import ceiling_position
from flexhub.rules.billing import Joiner, MonthBill, what_if
from flexhub.rules.money import money_text
from flexhub.rules.periods import Month
from flexhub.rules.pricing import committed_values

# Bounds of a question worth asking: the whole civil service is some 500,000 people, the NHS
# 1.3 million; a body beyond these sizes is a typing slip, not a scenario.
MAX_JOINER_SEATS = 2_000_000
MAX_JOINERS = 50
MAX_JOINER_NAME = 100


def parse_joiners(values: list[str]) -> list[Joiner]:
    """`NAME=SEATS` pairs; a clear RuleError for anything else, or for a size beyond reason."""
    if len(values) > MAX_JOINERS:
        raise RuleError(f"try at most {MAX_JOINERS} joining bodies at a time (there are {len(values):,})", field="join")
    joiners = []
    for value in values:
        name, sep, seats = value.partition("=")
        name, seats = name.strip(), seats.strip().replace(",", "")
        shown = value if len(value) <= 60 else f"{value[:50]}..."
        if not sep or not name or not seats.isdigit():
            raise RuleError(f'{shown!r}: write a joining body as NAME=SEATS, like "Home Office=20000"', field="join")
        if len(name) > MAX_JOINER_NAME:
            raise RuleError(f"{shown!r}: a name must be {MAX_JOINER_NAME} characters or fewer", field="join")
        if not 1 <= int(seats) <= MAX_JOINER_SEATS:
            raise RuleError(
                f"{name}: enter the seats as a whole number from 1 to {MAX_JOINER_SEATS:,} "
                f"(the whole civil service is some 500,000 people)",
                field="join",
            )
        joiners.append(Joiner(name, int(seats)))
    if not joiners:
        raise RuleError("add at least one joining body", field="join")
    return joiners


def _pools(bill: MonthBill) -> dict[str, dict[str, Any]]:
    return {p.service: {"size": p.size, "band_from": p.band_start, "unit_price": p.unit_price_text} for p in bill.pools}


def whatif_report(framework: Framework, month: Month, joiners: list[Joiner]) -> dict[str, Any]:
    """Pools, prices, every member's net charge and the ceiling headroom, before and after."""
    if not Month.of(framework.start) <= month <= Month.of(framework.end):
        raise RuleError(f"{month} is outside {framework.code}'s term", field="period")
    names = [j.name for j in joiners]
    if len(set(names)) != len(names):
        raise RuleError("give each joining body a different name", field="join")
    terms = billing_terms(framework)
    # The rules bill by member; joiners go in under keys no member can have, so a name typed
    # (even a member's code) is kept as typed and tells nothing about who the members are.
    keys = {f"joining #{i + 1}": j.name for i, j in enumerate(joiners)}
    result = what_if(terms, month, [Joiner(key, j.seats) for key, j in zip(keys, joiners, strict=True)])
    pricing = {code: s.pricing for code, s in terms.services.items()}
    values = committed_values(
        [*(c.terms for c in terms.contracts), *result.joiner_contracts],
        pricing,
        terms.start,
        terms.end,
    )
    added_value = sum((values[c.ref] for c in result.joiner_contracts), Decimal("0.00"))
    position = ceiling_position(framework)
    before_pools, after_pools = _pools(result.before), _pools(result.after)
    before_net = {b.member: b.net for b in result.before.bills}
    after_net = {b.member: b.net for b in result.after.bills}
    members = sorted(before_net.keys() | (after_net.keys() - keys.keys())) + list(keys)
    return {
        "framework": framework.code,
        "period": str(month),
        "joiners": [{"name": j.name, "seats": j.seats} for j in joiners],
        "pools": [
            {"service": service, "before": before_pools[service], "after": after_pools[service]}
            for service in before_pools
        ],
        "members": [
            {
                "member": keys.get(member, member),
                "joining": member in keys,
                "before": money_text(before_net[member]) if member in before_net else None,
                "after": money_text(after_net[member]) if member in after_net else None,
            }
            for member in members
        ],
        "headroom": {
            "before": money_text(position.headroom),
            "after": money_text(position.headroom - added_value),
            "joiners_committed_value": money_text(added_value),
        },
    }


def whatif_for_member(report: dict[str, Any], member_code: str) -> dict[str, Any]:
    """What a member admin may see: the pools and prices, and its own charge only."""
    own = next((m for m in report["members"] if m["member"] == member_code), None)
    return {
        "framework": report["framework"],
        "period": report["period"],
        "joiners": report["joiners"],  # as the member typed them
        "pools": report["pools"],
        "members": [own] if own else [],
    }
