"""Streaming CSV imports that are all or nothing: read, check every row, then write in chunks.

The file is read twice, never held whole: once to check every row (collecting every
problem with its row and column), and, only if nothing is wrong, once more to write, in
chunks, inside one transaction.

What one upload can cost is bounded whatever the file holds: a line or a quoted value
longer than any real row is refused where it starts, the first MAX_PROBLEMS problems are
kept (with their rows, for the rejects file) and the rest only counted, and bytes are
decoded line by line so a byte that is not UTF-8 is reported at its own row.
"""

from __future__ import annotations

import csv
import hashlib
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, NoReturn

from django.db import connection

from flexhub.core.csvexport import csv_text
from flexhub.rules.validation import text_problem

CHUNK = 2000
MAX_PROBLEMS = 100  # kept and shown; a file with more is wrong throughout, and the count says so
MAX_ROW_BYTES = 10_000  # a row of the widest import is under 1,500 bytes even with every value at its limit
MAX_HEADER_BYTES = 1_000
_READ_BYTES = 1 << 16
_LINE_END = re.compile(rb"\r\n|\r|\n")  # a lone \r ends a line too: Excel for Mac writes them
_BOM = b"\xef\xbb\xbf"


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

    def on_page(self) -> str:
        """As the pages list problems (the import preview does the same from its stored summary)."""
        return f"Row {self.line}" + (f", {self.column}" if self.column else "") + f": {self.message}"


class FileRefused(ValueError):
    """The file cannot be read on (not CSV, not UTF-8, a row far too long): where and why."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.problem = RowProblem(line, "", message)


class ProblemLog(list[RowProblem]):
    """An import's problems: the first `limit` kept with their rows, the rest only counted, so
    a file whose million rows are all wrong costs no more memory (or session, or database) than
    one with a hundred."""

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        super().__init__()
        self.limit = limit
        self.more = 0

    def append(self, problem: RowProblem, /) -> None:
        if len(self) < self.limit:
            super().append(problem)
        else:
            self.more += 1

    def extend(self, problems: Iterable[RowProblem], /) -> None:
        for problem in problems:
            self.append(problem)

    @property
    def total(self) -> int:
        return len(self) + self.more


@dataclass
class ImportSummary:
    """What an import did or would do."""

    rows: int = 0
    adds: int = 0
    changes: int = 0
    leavers: int = 0
    unchanged: int = 0
    problems: ProblemLog = field(default_factory=ProblemLog)
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
            "problems": [
                {"row": p.line, "column": p.column, "message": p.message, "values": list(p.values)}
                for p in self.problems
            ],
            "more_problems": self.problems.more,
            "examples": self.examples,
        }


class _Lines:
    """The file's lines, decoded one at a time, each with its ending.

    Decoding line by line (UTF-8 never puts a line-ending byte inside a character) reports a
    bad byte at its own row, not where a buffer happened to be decoded. `record_bytes` counts
    the bytes since the reader last finished a row, so a quote left open cannot swallow the
    rest of the file into one value before anyone notices.
    """

    def __init__(self, binary: IO[bytes]) -> None:
        self.binary = binary
        self.line = 0
        self.record_bytes = 0

    def __iter__(self) -> Iterator[str]:
        pending = b""
        while chunk := self.binary.read(_READ_BYTES):
            data = pending + chunk
            start = 0
            for match in _LINE_END.finditer(data):
                if match.end() == len(data) and data.endswith(b"\r"):
                    break  # perhaps the first half of a \r\n split between two reads
                yield self._decode(data[start : match.end()])
                start = match.end()
            pending = data[start:]
            if len(pending) + self.record_bytes > MAX_ROW_BYTES:
                self._too_long(self.line + 1)
        if pending:
            yield self._decode(pending)

    def _decode(self, raw: bytes) -> str:
        self.line += 1
        self.record_bytes += len(raw)
        if self.line == 1:
            raw = raw.removeprefix(_BOM)
            if len(raw) > MAX_HEADER_BYTES:
                raise FileRefused(1, f"the header row is over {MAX_HEADER_BYTES:,} bytes long: is this the right file?")
        if self.record_bytes > MAX_ROW_BYTES:
            self._too_long(self.line)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileRefused(
                self.line,
                f"not UTF-8 text (byte 0x{raw[exc.start]:02x}, {exc.start + 1} bytes in): save the file as CSV UTF-8",
            ) from exc

    def _too_long(self, line: int) -> NoReturn:
        raise FileRefused(
            line, f"the row is longer than {MAX_ROW_BYTES:,} bytes (is a quote left open?): nothing more was read"
        )


def read_rows(binary: IO[bytes], columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each data row of a UTF-8 CSV (a byte-order mark is allowed).

    A header that is not `columns`, or a file that cannot be read on, raises FileRefused.
    """
    lines = _Lines(binary)
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration as exc:
        raise FileRefused(1, "the file is empty: it needs a header row") from exc
    except csv.Error as exc:
        raise FileRefused(1, f"the header row is not CSV: {exc}") from exc
    lines.record_bytes = 0
    names = [h.strip().lower() for h in header]
    missing = [c for c in columns if c not in names]
    unknown = [n for n in names if n not in columns]
    if missing or unknown or len(set(names)) != len(names):
        parts = []
        if missing:
            parts.append("missing column" + ("s " if len(missing) > 1 else " ") + ", ".join(missing))
        if unknown:
            parts.append("unknown column" + ("s " if len(unknown) > 1 else " ") + ", ".join(unknown[:10]))
        if len(set(names)) != len(names):
            parts.append("a column is named twice")
        raise FileRefused(1, f"the header row must be {','.join(columns)}: " + "; ".join(parts))
    try:
        for values in reader:
            lines.record_bytes = 0
            if not any(v.strip() for v in values):
                continue
            line = reader.line_num
            if len(values) != len(names):
                yield line, {"__width__": str(len(values))}
                continue
            yield line, {name: value.strip() for name, value in zip(names, values, strict=True)}
    except csv.Error as exc:
        raise FileRefused(reader.line_num, f"not CSV: {exc}") from exc


def field_problems(
    line: int, row: Mapping[str, str], limits: Mapping[str, int | None], values: tuple[str, ...]
) -> list[RowProblem]:
    """Each value its column could not store (longer than the column, or holding a NUL
    character), so a file the check passes never fails in the write. `limits` are the columns'
    lengths, which the app reads from its model."""
    return [
        RowProblem(line, column, problem, values)
        for column, limit in limits.items()
        if (problem := text_problem(row[column], max_length=limit))
    ]


class SeenKeys:
    """The keys met so far in a file (emails, asset tags) and the row of each, to report a key
    given twice, kept in a temporary table of the database rather than in memory, so checking
    a file of millions of rows takes no more memory than checking one of a hundred.

    Keys are 64-bit BLAKE2b digests: two keys of a million-row file share one with odds of
    about one in 10^7, which could only report two rows as a repeat. Use as a context manager;
    the table (private to this connection) is dropped on leaving.
    """

    def __init__(self) -> None:
        self._table = f"flexhub_seen_{secrets.token_hex(6)}"  # generated here, never from input
        self._created = False

    def __enter__(self) -> SeenKeys:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._created:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {self._table}")
            self._created = False

    def first_rows(self, keys: Sequence[tuple[str, int]]) -> list[int | None]:
        """For each (key, row) of a chunk, in file order: the row the key was first met on, or
        None if this is the first time; the chunk's keys are then remembered."""
        digests = [_digest(key) for key, _ in keys]
        earlier: dict[int, int] = {}
        with connection.cursor() as cursor:
            if not self._created:
                cursor.execute(f"CREATE TEMPORARY TABLE {self._table} (digest BIGINT PRIMARY KEY, line INTEGER)")
                self._created = True
            unique = list(set(digests))
            for start in range(0, len(unique), 500):
                part = unique[start : start + 500]
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(f"SELECT digest, line FROM {self._table} WHERE digest IN ({marks})", part)  # noqa: S608 - the table name is ours
                earlier.update(cursor.fetchall())
            fresh: dict[int, int] = {}
            found: list[int | None] = []
            for digest, (_, line) in zip(digests, keys, strict=True):
                first = earlier.get(digest) or fresh.get(digest)
                if first is None:
                    fresh[digest] = line
                found.append(first)
            pairs = list(fresh.items())
            for start in range(0, len(pairs), 400):  # one statement per 400 rows, under every backend's limit
                batch = pairs[start : start + 400]
                rows = ", ".join(["(%s, %s)"] * len(batch))
                cursor.execute(
                    f"INSERT INTO {self._table} (digest, line) VALUES {rows}",  # noqa: S608 - the table name is ours
                    [value for pair in batch for value in pair],
                )
        return found


def _digest(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def chunked(rows: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


REJECTS_HEAD = ("row", "column", "problem")


def rejects_rows(summary: Mapping[str, Any]) -> list[list[Any]]:
    """The rejected rows, from what the check stored (`ImportSummary.as_dict()`): where, what is
    wrong, and the row as it was; a last row counts the problems not kept. The file is not
    read again, so the rejects cost what the check already paid."""
    rows: list[list[Any]] = [
        [p["row"], p["column"], p["message"], *p.get("values", [])] for p in summary.get("problems", [])
    ]
    if more := summary.get("more_problems", 0):
        rows.append(["", "", f"and {more} more problems not listed: correct these, then check the file again"])
    return rows


def rejects_csv(summary: Mapping[str, Any], columns: tuple[str, ...]) -> str:
    """The rejects file's text (see rejects_rows), written as every CSV is (core.csvexport)."""
    return csv_text([*REJECTS_HEAD, *columns], rejects_rows(summary))
