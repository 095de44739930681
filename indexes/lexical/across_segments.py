"""BM25 across an index's segments, with index-wide statistics.

Segments written with stored postings (postings.py in this package) are ranked by bm25.py,
exactly as FTS5 would rank a fresh build of the live documents. A question holding a term
that is not one token (a CJK phrase, "e-mail"), or an index with older segments, goes
through FTS5 as follows.

FTS5 ranks each segment's passages with that segment's own statistics: a term's IDF in a
one-document segment (written by a one-file edit) says nothing of its rarity in the
collection, and would rank that document's passages as if every word were common. With one
segment (every small index, and any index after compaction) FTS5's ranking is used as is.
With several, each segment proposes its best passages by its own BM25, and these are
re-scored with the collection's IDF: FTS5's bm25() is a sum over the query's phrases of
IDF(phrase) x a term-frequency part, so each phrase's share is read with a one-phrase
query and re-weighted by global IDF / local IDF. (Document-length normalisation stays
per segment; the collection's average differs little from a large segment's.)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from indexes.lexical.bm25 import bm25_top
from indexes.lexical.fts import (
    fts_query,
    index_form,
    lexical_search,
    passages_with_term,
    phrase,
    search_terms,
)
from indexes.lexical.postings import index_tokens

if TYPE_CHECKING:
    from indexes.reader import IndexReader
    from indexes.segments import Segment


def search_lexical(reader: IndexReader, question: str, n: int,
                   doc_rowids: list[int] | None = None,
                   context_weight: float = 0.5) -> list[tuple[int, float]]:
    """Top `n` (passage rowid, BM25) among the live passages of `doc_rowids` (all when None)."""
    if fts_query(question) is None or n <= 0:
        return []
    tokens = _single_tokens(question)
    if tokens is not None and all(s.lexicon is not None for s in reader.segments):
        if not tokens:
            return []
        return bm25_top(reader.segments, reader.passage_masks(doc_rowids), tokens, n,
                        context_weight)
    found: list[tuple[Segment, list[tuple[int, float]]]] = []
    # A segment's own ranking only proposes candidates when there are several: ask it for
    # more than `n`, so that a passage its local IDF ranks lower is still re-scored.
    fetch = n if len(reader.segments) == 1 else max(2 * n, n + 50)
    for segment in reader.segments:
        mine = None
        if doc_rowids is not None:
            mine = [d for d in doc_rowids if segment.holds("documents", d)]
            if not mine:
                continue
        rows = lexical_search(segment.db, question, fetch, mine, context_weight,
                              skip=segment.deleted_passages_table())
        if rows:
            found.append((segment, rows))
    if len(found) > 1:
        found = [(s, _rescored(reader, s, question, rows, context_weight)) for s, rows in found]
    merged = [row for _, rows in found for row in rows]
    merged.sort(key=lambda row: -row[1])
    return merged[:n]


def _single_tokens(question: str) -> list[str] | None:
    """The question's search terms as the index's tokens, in order, when each is one token
    (a term of none, such as "_", matches nothing and is left out); else None."""
    tokens = []
    for term in search_terms(question):
        made = index_tokens(index_form(term))
        if len(made) > 1:
            return None
        tokens += made
    return tokens


def _rescored(reader: IndexReader, segment: Segment, question: str,
              rows: list[tuple[int, float]], context_weight: float) -> list[tuple[int, float]]:
    """A segment's candidates scored with the collection's IDF instead of the segment's."""
    candidates = [p for p, _ in rows]
    scores = dict.fromkeys(candidates, 0.0)
    live = reader.manifest.counts.get("passages", 0)
    for term in search_terms(question):
        # FTS5's IDF in the segment counts its tombstoned rows; the collection's counts
        # live passages only, as a fresh build of the same documents would.
        local = _idf(segment.info.counts.get("passages", 0), _hits(segment, term)[0])
        overall = _idf(live, sum(_hits(s, term)[1] for s in reader.segments))
        shares = lexical_search(segment.db, "", len(candidates), None, context_weight,
                                query=phrase(term), only=candidates)
        for passage, share in shares:
            scores[passage] += share * overall / local
    return sorted(scores.items(), key=lambda row: -row[1])


def _idf(rows: int, hits: int) -> float:
    # FTS5's own formula (fts5_aux.c), including its floor for terms in over half the rows.
    value = math.log((rows - hits + 0.5) / (hits + 0.5)) if rows else 0.0
    return value if value > 0 else 1e-6


def _hits(segment: Segment, term: str) -> tuple[int, int]:
    """Rows of a segment holding `term` in any column: all of them (as FTS5 counts), and
    the live ones."""
    cache = segment.term_hits
    if term not in cache:
        sql = "SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?"
        every = int(segment.db.execute(sql, (phrase(term),)).fetchone()[0])
        table = segment.deleted_passages_table()
        live = every if table is None or not every else int(segment.db.execute(
            sql + f" AND rowid NOT IN {table}", (phrase(term),)).fetchone()[0])
        cache[term] = (every, live)
    return cache[term]


def holders(reader: IndexReader, term: str) -> set[int]:
    """Live passages whose text (not context) holds `term`, across segments."""
    held: set[int] = set()
    for segment in reader.segments:
        held |= passages_with_term(segment.db, term) - segment.deleted_passages
    return held
