"""Lexical search with SQLite FTS5 and its bm25() ranking."""

from __future__ import annotations

import json
import re
import sqlite3

# Words that carry no topic; dropped from queries (not from the index) so that a question's
# phrasing does not outweigh its subject. Kept short on purpose: BM25's IDF handles the rest.
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be been before being below
between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just me more most my no
nor not of off on once only or other our out over own same she should so some such than that the
their them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your said say says tell told
""".split())

_WORD = re.compile(r"\w+", re.UNICODE)


def query_terms(question: str) -> list[str]:
    """Distinct lower-case words of a question, stopwords removed unless nothing else is left."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(question)))
    content = [w for w in words if w not in STOPWORDS]
    return content or words


def fts_query(question: str) -> str | None:
    """An FTS5 query matching passages containing any of the question's terms; quoting each
    term keeps FTS5 operators and punctuation in user input from being interpreted."""
    terms = query_terms(question)
    if not terms:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def passages_with_term(db: sqlite3.Connection, term: str) -> set[int]:
    """Rowids of the passages whose text (not its context) holds `term`, stemmed as the
    index stems it."""
    rows = db.execute("SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?",
                      ('text : "' + term.replace('"', '""') + '"',))
    return {int(r[0]) for r in rows}


def lexical_search(
    db: sqlite3.Connection, question: str, n: int, doc_rowids: list[int] | None = None,
    context_weight: float = 0.5,
) -> list[tuple[int, float]]:
    """Top `n` (passage rowid, score) by BM25, higher is better; only passages of
    `doc_rowids` when given. A match in a passage's context (title, author, date, heading)
    counts `context_weight` times a match in its text."""
    query = fts_query(question)
    if query is None or n <= 0:
        return []
    rank = f"bm25(passages_fts, 1.0, {float(context_weight)!r})"
    sql = (f"SELECT passages_fts.rowid, -{rank} AS score FROM passages_fts"
           " WHERE passages_fts MATCH ?")
    params: list[object] = [query]
    if doc_rowids is not None:
        sql += (" AND passages_fts.rowid IN (SELECT rowid FROM passages"
                " WHERE doc_rowid IN (SELECT value FROM json_each(?)))")
        params.append(json.dumps(doc_rowids))
    sql += f" ORDER BY {rank} LIMIT ?"
    params.append(n)
    return [(int(r[0]), float(r[1])) for r in db.execute(sql, params)]

