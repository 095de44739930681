"""Lexical search scores from kept postings (indexes.lexical.Lexicon) exactly as FTS5's
bm25() does: the same (rowid, score) lists, to the last bit, as the straightforward FTS5
ranking, on one database and across segments, with filters and tombstones."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from indexes import IndexReader
from indexes.lexical import Lexicon, lexical_search, ranked, search_terms
from indexes.lexical_global import _search, _search_with_fts5
from indexes.schema import SCHEMA
from indexes.writer import StoreSettings
from parallax.indexing import build_index

# A few common words among many rarer ones; stems that merge ("envoy", "envoys"), words the
# tokenizer cuts in two ("foo_bar"), CJK runs (searched as character pairs), and repeats.
WORDS = ("trade trade tariff envoy envoys panda pandas strait navy foo_bar 台湾 湾湾 问题 "
         "Café cafe " + " ".join(f"w{i}" for i in range(60))).split()
QUESTIONS = ["trade envoy", "pandas in the strait", "foo_bar navy w1 w2 w3", "台湾问题",
             "湾湾湾", "café trade trade", "w5 w7 w11 w13 w17 envoys tariff", "the of and",
             "panda w0", "台湾 trade"]
SEGMENTED = StoreSettings(compact_below=0, max_segments=100, max_deleted_share=1.0)


def _text(rng: random.Random, words: int) -> str:
    weights = [1.0 / (rank + 2) for rank in range(len(WORDS))]
    return " ".join(rng.choices(WORDS, weights, k=words))


def _db(passages: list[tuple[str, str]]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    db.execute("INSERT INTO documents (rowid, id, path, content_hash, n_passages)"
               " VALUES (1, 'd', 'd.txt', 'h', ?)", (len(passages),))
    for ordinal, (text, context) in enumerate(passages):
        db.execute("INSERT INTO passages (id, doc_rowid, ordinal, text, context, char_start,"
                   " char_end, line_start, line_end) VALUES (?, 1, ?, ?, ?, 0, 0, 1, 1)",
                   (f"d.{ordinal}", ordinal, text, context))
    db.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")
    return db


@pytest.mark.parametrize("seed", range(6))
def test_one_database_ranks_exactly_as_fts5(seed: int) -> None:
    rng = random.Random(seed)
    passages = [(_text(rng, rng.randint(1, 30)), _text(rng, rng.randint(0, 4)))
                for _ in range(rng.randint(5, 120))]
    passages += passages[:5]  # duplicates: ties, which FTS5 orders by rowid
    db = _db(passages)
    lexicon = Lexicon(db)
    for question in QUESTIONS:
        for n in (1, 3, 10, 1000):
            for weight in (0.5, 0.3, 1.0):
                expected = lexical_search(db, question, n, context_weight=weight)
                got = ranked(lexicon, search_terms(question), n, None, weight)
                assert got == expected, (question, n, weight)


def test_only_allowed_passages_are_ranked() -> None:
    rng = random.Random(7)
    db = _db([(_text(rng, 12), "") for _ in range(60)])
    lexicon = Lexicon(db)
    allowed = np.zeros(60, dtype=bool)
    allowed[::3] = True
    for question in QUESTIONS:
        everything = lexical_search(db, question, 1000)
        expected = [row for row in everything if allowed[row[0] - 1]][:7]
        assert ranked(lexicon, search_terms(question), 7, allowed) == expected


def _write(folder: Path, name: str, rng: random.Random) -> None:
    paragraphs = "\n\n".join(_text(rng, rng.randint(3, 25)) + "." for _ in range(rng.randint(1, 4)))
    (folder / name).write_text(f"{_text(rng, 2)}\n\n{paragraphs}\n", encoding="utf-8")


@pytest.mark.parametrize("seed", range(3))
def test_segments_filters_and_tombstones_rank_exactly_as_fts5(
        tmp_path: Path, fake_encoder, seed: int) -> None:  # noqa: ANN001
    rng = random.Random(seed)
    docs, index = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    for i in range(12):
        _write(docs, f"d{i}.txt", rng)

    def build() -> None:
        build_index([docs], index, encoder_loader=lambda name: fake_encoder, store=SEGMENTED)

    build()
    _compare(index, rng)  # one segment
    for i in range(3):  # edits and a removal: more segments, tombstones in the first
        _write(docs, f"d{i}.txt", rng)
        _write(docs, f"new{i}.txt", rng)
        build()
    (docs / "d5.txt").unlink()
    build()
    with IndexReader(index) as reader:
        assert len(reader.segments) > 2 and len(reader.deleted) > 0
    _compare(index, rng)


def _compare(index: Path, rng: random.Random) -> None:
    with IndexReader(index) as reader:
        rowids = [d.rowid for d in reader.documents()]
        filters = [None, rng.sample(rowids, 3), rowids[:1], [10_000]]
        for question in QUESTIONS:
            for n in (1, 5, 100):
                for doc_rowids in filters:
                    for weight in (0.5, 0.3):
                        expected = _search_with_fts5(reader, question, n, doc_rowids, weight)
                        got = _search(reader, search_terms(question), n, doc_rowids, weight)
                        assert got == expected, (question, n, doc_rowids, weight)
