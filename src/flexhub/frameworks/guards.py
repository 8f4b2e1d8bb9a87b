"""Checks that higher apps add to the signing and extending of a call-off contract.

Frameworks signs contracts but knows nothing of the apps above it; an app that must be able to
refuse a signing (assurance: a service whose exposure the member refused) registers a guard from
its AppConfig.ready, the way apps register panels. A guard raises `RuleError` to refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# guard(member=Organisation, services=[Service, ...], doing="sign" | "extend", contract=ref)
ContractGuard = Callable[..., None]

_GUARDS: list[ContractGuard] = []


def register_contract_guard(guard: ContractGuard) -> None:
    """Add a guard (idempotent, as AppConfig.ready may run twice in tests)."""
    if guard not in _GUARDS:
        _GUARDS.append(guard)


def check_contract_guards(*, member: Any, services: Iterable[Any], doing: str, contract: str) -> None:
    """Run every guard over a contract about to be signed or extended; the first refusal stands."""
    chosen = list(services)
    for guard in _GUARDS:
        guard(member=member, services=chosen, doing=doing, contract=contract)
