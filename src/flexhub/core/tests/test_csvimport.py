"""Reading an import's CSV at a bounded cost, whatever the file holds (issue 13)."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction

from flexhub.core.csvimport import (
    MAX_PROBLEMS,
    MAX_ROW_BYTES,
    FileRefused,
    ImportSummary,
    ProblemLog,
    RowProblem,
    SeenKeys,
    field_problems,
    read_rows,
    rejects_csv,
)

COLUMNS = ("name", "email")


def rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    return list(read_rows(io.BytesIO(data), COLUMNS))


def test_a_byte_that_is_not_utf8_is_reported_at_its_own_row():
    # far past the first read of the file, where a decoder working on whole buffers stops
    good = "".join(f"Person {i},p{i}@example.gov.uk\n" for i in range(5000)).encode()
    data = b"name,email\n" + good + b"Zo\xeb,zoe@example.gov.uk\n" + good
    with pytest.raises(FileRefused) as refused:
        rows(data)
    assert refused.value.problem.line == 5002
    assert "not UTF-8" in refused.value.problem.message


def test_line_endings_of_every_kind_and_a_byte_order_mark_are_read():
    for ending in (b"\n", b"\r\n", b"\r"):
        data = b"\xef\xbb\xbfname,email" + ending + b"Ann,a@x.uk" + ending + b"Ben,b@x.uk" + ending
        assert rows(data) == [(2, {"name": "Ann", "email": "a@x.uk"}), (3, {"name": "Ben", "email": "b@x.uk"})]
    quoted = b'name,email\r\n"Ann\r\nLee",a@x.uk\r\nBen,b@x.uk\r\n'
    assert [line for line, _ in rows(quoted)] == [3, 4]


def test_an_oversized_row_or_header_is_refused_early_with_a_short_message():
    endless = b"name,email\nAnn," + b"x" * (50 * MAX_ROW_BYTES)  # no line end at all
    with pytest.raises(FileRefused) as refused:
        rows(endless)
    assert refused.value.problem.line == 2 and len(str(refused.value)) < 120
    open_quote = b'name,email\nAnn,"' + b"x\n" * MAX_ROW_BYTES
    with pytest.raises(FileRefused, match="quote left open") as refused:
        rows(open_quote)
    assert refused.value.problem.line < 10_000
    with pytest.raises(FileRefused, match="header row") as refused:
        rows(b"name," * 1000 + b"email\n")
    assert refused.value.problem.line == 1


def test_problems_are_capped_and_the_rest_counted():
    log = ProblemLog()
    log.extend(RowProblem(line, "name", "required") for line in range(2, 100_002))
    assert len(log) == MAX_PROBLEMS and log.more == 100_000 - MAX_PROBLEMS and log.total == 100_000
    summary = ImportSummary(problems=log)
    stored = summary.as_dict()
    assert len(stored["problems"]) == MAX_PROBLEMS and stored["more_problems"] == log.more


def test_the_rejects_file_is_made_from_what_the_check_stored_and_runs_no_formula():
    summary = ImportSummary()
    summary.problems.append(RowProblem(2, "name", "name is required", ("", '=HYPERLINK("http://x")')))
    summary.problems.more = 7
    text = rejects_csv(summary.as_dict(), COLUMNS)
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert table[0] == ["row", "column", "problem", "name", "email"]
    assert table[1] == ["2", "name", "name is required", "", '\'=HYPERLINK("http://x")']
    assert "7 more problems" in table[2][2]


def test_values_the_columns_cannot_store_are_problems_where_they_are():
    row = {"name": "x" * 201, "email": "a\x00@b.uk"}
    found = field_problems(9, row, {"name": 200, "email": None}, ("", ""))
    assert [(p.line, p.column) for p in found] == [(9, "name"), (9, "email")]


@pytest.mark.django_db
def test_seen_keys_finds_a_repeat_and_its_first_row_in_the_database_not_in_memory():
    with SeenKeys() as seen:
        for start in range(2, 20_002, 2000):
            keys = [(f"person{line}@example.gov.uk", line) for line in range(start, start + 2000)]
            assert seen.first_rows(keys) == [None] * 2000
        assert seen.first_rows([("person7@example.gov.uk", 30_000), ("new@x.uk", 30_001), ("new@x.uk", 30_002)]) == [
            7,
            None,
            30_001,
        ]
        assert seen.first_rows([("PERSON7@example.gov.uk", 30_003)]) == [None]  # keys are compared as given
        table = seen._table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table}")  # dropped on leaving
