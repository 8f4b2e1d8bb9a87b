"""The one error type that services and rules raise for a refused request."""

from __future__ import annotations


class RuleError(Exception):
    """A request that breaks a business rule or carries bad input.

    Views turn it into a form error, the API into a 400 response and
    management commands into a `CommandError`; `field` names the input at
    fault where there is one, so the message can be shown beside it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
