"""Lexical search: FTS5 queries and the question's terms (fts), the per-segment term postings
written beside FTS5 (postings), FTS5's BM25 computed over those postings (bm25), and BM25
across an index's segments with collection-wide statistics (across_segments), which is what
a search calls."""
