"""The CSV importers that share the staged upload, preview, apply and rejects pages.

The staff directory registers its importer here, and the asset register (which
builds on the directory: assets are assigned to staff) registers its own from
its AppConfig.ready, so the directory's pages never import the asset register.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flexhub.core.csvimport import ImportSummary


@dataclass(frozen=True)
class Importer:
    kind: str
    columns: tuple[str, ...]
    run: Callable[..., ImportSummary]  # (actor=, organisation=, open_file=, apply=) -> summary


_IMPORTERS: dict[str, Importer] = {}


def register_importer(*, kind: str, columns: tuple[str, ...], run: Callable[..., ImportSummary]) -> None:
    _IMPORTERS[kind] = Importer(kind, columns, run)


def importer_for(kind: str) -> Importer:
    """The importer of a staged upload's kind (every kind a StagedImport can hold is registered at start-up)."""
    return _IMPORTERS[kind]
