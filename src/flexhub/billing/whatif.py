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


def parse_joiners(values: list[str]) -> list[Joiner]:
    """`NAME=SEATS` pairs; a clear RuleError for anything else."""
    joiners = []
    for value in values:
        name, sep, seats = value.partition("=")
        if not sep or not name.strip() or not seats.strip().isdigit() or int(seats) <= 0:
            raise RuleError(f'{value!r}: write a joiner as NAME=SEATS, e.g. "Home Office=20000"', field="join")
        joiners.append(Joiner(name.strip(), int(seats)))
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
    clash = set(names) & {c.member for c in terms.contracts}
    if clash:
        raise RuleError(f"{sorted(clash)[0]} is already a member; name the newcomer differently", field="join")
    result = what_if(terms, month, joiners)
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
    members = sorted(set(before_net) | set(after_net))
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
                "member": member,
                "joining": member in names,
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
        "joiners": [{"seats": j["seats"]} for j in report["joiners"]],
        "pools": report["pools"],
        "members": [own] if own else [],
    }
