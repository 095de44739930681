"""What the lexical layer reads from an index's FTS5 table."""

import sqlite3

from indexes.lexical.fts import lexical_search, passages_with_term
from indexes.schema import SCHEMA


def _db(passages: list[tuple[str, str]]) -> sqlite3.Connection:
    """An in-memory index database holding these (text, context) passages of one document."""
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


def test_a_term_is_found_in_passage_text_stemmed_as_the_index_stems() -> None:
    db = _db([("Pandas are envoys of friendship.", "Zoo report"),
              ("The envoy arrived.", "Zoo report"),
              ("Bees make honey.", "Envoy notes")])
    assert passages_with_term(db, "envoys") == {1, 2}
    assert passages_with_term(db, "honey") == {3}
    assert passages_with_term(db, "zoo") == set()  # in the context only
    assert passages_with_term(db, 'say "hi"') == set()  # quotes cannot break the query


def test_bm25_ranks_the_passage_with_more_of_the_question_first() -> None:
    db = _db([("Pandas are envoys of friendship.", ""), ("Pandas eat bamboo.", "")])
    ranked = lexical_search(db, "Which pandas are envoys?", 5)
    assert [rowid for rowid, _ in ranked] == [1, 2]
