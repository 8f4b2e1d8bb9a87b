"""Performance helpers for bulk work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building millions of small objects.

    Parsing a large scenario allocates lists and dicts that all stay alive; the
    collector would rescan them again and again (over two-thirds of the parse
    time). Reference counting still frees everything; collection resumes after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
