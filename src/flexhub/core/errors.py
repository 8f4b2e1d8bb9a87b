"""The one error type that services and rules raise for a refused request."""

from __future__ import annotations

from collections.abc import Sequence

from flexhub.rules.validation import Problem


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

    @property
    def sentence(self) -> str:
        """The message as a page's banner shows it: a capital first, a full stop last (services
        write messages to follow a field's name or a colon, so they start in lower case)."""
        text = self.message[:1].upper() + self.message[1:]
        return text if not text or text.endswith((".", "?", "!")) else text + "."


class Conflict(RuleError):
    """A request that cannot go on now because another one is changing the same thing (a month
    being billed while it is issued): the API answers 409, pages and commands say why."""


def raise_first(problems: Sequence[Problem]) -> None:
    """Raise the first of the shared rules' problems (rules/validation.py) as a RuleError on its
    top-level field; a problem deeper in (`lines[1].start`) keeps its place in the message."""
    if not problems:
        return
    problem = problems[0]
    nested = problem.where and problem.where != problem.field
    message = f"{problem.where}: {problem.message}" if nested else problem.message
    raise RuleError(message, field=problem.field or None)
