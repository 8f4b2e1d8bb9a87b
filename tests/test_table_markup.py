"""Every table in the templates sits in a box of its own that scrolls sideways when the table is
wider than the screen (never the whole page), that a keyboard can reach (tabindex) and a screen
reader can name (a labelled region): axe's scrollable-region-focusable rule, checked in the
browser by tests/browser/test_accessibility.py, and here for every template at once."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "flexhub"
TABLE = re.compile(r"<table\b")
WRAPPED_TABLE = re.compile(
    r'<div class="flexhub-table-wrap[^"]*" role="region" aria-label="[^"]+" tabindex="0">\s*<table\b'
)


def test_every_table_is_in_a_labelled_focusable_scrolling_box():
    templates = list(TEMPLATES.glob("*/templates/**/*.html"))
    assert len(templates) > 20
    unwrapped = [
        f"{path.relative_to(TEMPLATES)}: {len(WRAPPED_TABLE.findall(text))} of {len(TABLE.findall(text))} tables"
        for path in templates
        if len(WRAPPED_TABLE.findall(text := path.read_text(encoding="utf-8"))) != len(TABLE.findall(text))
    ]
    assert unwrapped == [], 'wrap each in <div class="flexhub-table-wrap" role="region" aria-label="…" tabindex="0">'
