"""A refusal reads as a sentence in a page's banner."""

from __future__ import annotations

import pytest

from flexhub.core.errors import RuleError


@pytest.mark.parametrize(
    ("message", "sentence"),
    [
        ("choose the tower to send the ticket to", "Choose the tower to send the ticket to."),
        ("CORE: no price on 2019-01-01", "CORE: no price on 2019-01-01."),
        ("the month is already issued.", "The month is already issued."),
        ("is the contract signed?", "Is the contract signed?"),
        ("", ""),
    ],
)
def test_a_message_becomes_one_sentence(message, sentence):
    assert RuleError(message).sentence == sentence
