"""Streaming CSV imports that are all or nothing: read, check every row, then write in chunks.

The file is read twice, never held whole: once to check every row (collecting every
problem with its row and column), and, only if nothing is wrong, once more to write, in
chunks, inside one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

CHUNK = 2000


@dataclass(frozen=True)
class RowProblem:
    """One problem: the line in the file (the header is line 1), the column, and what is wrong."""

    line: int
    column: str
    message: str
    values: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"row {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportSummary:
    """What an import did or would do."""

    rows: int = 0
    adds: int = 0
    changes: int = 0
    leavers: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "adds": self.adds,
            "changes": self.changes,
            "leavers": self.leavers,
            "unchanged": self.unchanged,
            "applied": self.applied,
            "problems": [{"row": p.line, "column": p.column, "message": p.message} for p in self.problems],
            "examples": self.examples,
        }


def text_stream(binary: IO[bytes]) -> IO[str]:
    """UTF-8 text from a binary file, with or without a byte-order mark."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def read_rows(text: IO[str], columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each data row; a header that is not `columns` raises ValueError."""
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise ValueError("the file is empty: it needs a header row") from exc
    except UnicodeDecodeError as exc:
        raise ValueError("the file is not UTF-8 text") from exc
    names = [h.strip().lower() for h in header]
    missing = [c for c in columns if c not in names]
    unknown = [n for n in names if n not in columns]
    if missing or unknown or len(set(names)) != len(names):
        parts = []
        if missing:
            parts.append("missing column" + ("s " if len(missing) > 1 else " ") + ", ".join(missing))
        if unknown:
            parts.append("unknown column" + ("s " if len(unknown) > 1 else " ") + ", ".join(unknown))
        if len(set(names)) != len(names):
            parts.append("a column is named twice")
        raise ValueError(f"the header row must be {','.join(columns)}: " + "; ".join(parts))
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            line = reader.line_num
            if len(values) != len(names):
                yield line, {"__width__": str(len(values))}
                continue
            yield line, {name: value.strip() for name, value in zip(names, values, strict=True)}
    except UnicodeDecodeError as exc:
        raise ValueError(f"the file is not UTF-8 text (near line {reader.line_num + 1})") from exc
    except csv.Error as exc:
        raise ValueError(f"line {reader.line_num}: {exc}") from exc


def chunked(rows: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def problems_csv(problems: Iterable[RowProblem], columns: tuple[str, ...]) -> str:
    """The rejects as CSV: where, what is wrong, and the row as it was."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "problem", *columns])
    for p in problems:
        writer.writerow([p.line, p.column, p.message, *p.values])
    return out.getvalue()
