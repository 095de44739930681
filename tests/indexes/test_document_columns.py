"""Filters evaluated column-wise select exactly the documents `Filters.accepts` accepts."""

from __future__ import annotations

import random

import pytest

from indexes.query.document_columns import DocumentColumns
from indexes.query.filters import Filters
from indexes.records import DocumentRecord


def _documents(count: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    roots = ["/data/speeches", "/data/press", None]
    dates = [None, "2019", "2020-02", "2020-02-29", "2021-12-31", "1999-07", "not a date"]
    authors = [None, "Wang Yi", "Antony Blinken", "wang", "Zhao Lijian"]
    rows = []
    for rowid in range(1, count + 1):
        root = rng.choice(roots)
        folder = rng.choice(["", "2020/", "2021/mfa/", "a[b]/"])
        name = rng.choice(["statement", "remarks", "briefing", "x"]) + f"{rowid}.txt"
        path = f"{root or '/elsewhere'}/{folder}{name}"
        rows.append((rowid, path, root, rng.choice(dates), rng.choice(authors)))
    return rows


_OTHER = {"id": "x", "title": None, "publisher": None}

FILTERS = [
    Filters(source="*.txt"), Filters(source="statement*"), Filters(source="2020/*"),
    Filters(source="/data/press/*"), Filters(source="*1?.txt"), Filters(source="*[0-3].txt"),
    Filters(source="[!s]*"), Filters(source="remarks7.txt"), Filters(source="*mfa*"),
    Filters(source="a[b]/*"), Filters(source="nothing*"), Filters(since="2020"),
    Filters(until="2019-12"), Filters(since="2020-02-29", until="2020-02-29"),
    Filters(author="WANG"), Filters(author="blinken", since="2020"),
    Filters(source="2021/*", author="zhao", until="2022"),
]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_column_filters_select_what_accepts_accepts(filters: Filters, seed: int) -> None:
    rows = _documents(300, seed)
    columns = DocumentColumns(rows)
    records = sorted((DocumentRecord(rowid=r[0], path=r[1], root=r[2], date=r[3], author=r[4],
                                     **_OTHER) for r in rows), key=lambda d: d.path)
    expected = [d.rowid for d in records if filters.accepts(d)]
    assert columns.select(filters) == expected


def test_no_documents_select_nothing() -> None:
    assert DocumentColumns([]).select(Filters(source="*", since="2020")) == []
