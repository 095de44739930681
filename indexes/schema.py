"""SQLite schema of an index: documents, passages, windows and the FTS5 lexical index."""

SCHEMA = """
CREATE TABLE documents (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL UNIQUE,
    root TEXT,
    title TEXT, date TEXT, author TEXT, publisher TEXT,
    extra TEXT NOT NULL DEFAULT '{}',
    title_inferred INTEGER NOT NULL DEFAULT 0,
    date_inferred INTEGER NOT NULL DEFAULT 0,
    encoding TEXT,
    content_hash TEXT NOT NULL,
    n_passages INTEGER NOT NULL,
    metadata_key TEXT NOT NULL DEFAULT ''  -- what metadata.csv said when it was indexed
);
CREATE TABLE passages (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    doc_rowid INTEGER NOT NULL REFERENCES documents(rowid),
    ordinal INTEGER NOT NULL,
    heading TEXT,
    text TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '',  -- title, author, date, heading: searched, not shown
    char_start INTEGER NOT NULL, char_end INTEGER NOT NULL,
    line_start INTEGER NOT NULL, line_end INTEGER NOT NULL
);
CREATE INDEX passages_by_document ON passages(doc_rowid, ordinal);
-- A window's id is its row in the FAISS index.
CREATE TABLE windows (
    id INTEGER PRIMARY KEY,
    passage_rowid INTEGER NOT NULL REFERENCES passages(rowid),
    char_start INTEGER NOT NULL, char_end INTEGER NOT NULL
);
CREATE INDEX windows_by_passage ON windows(passage_rowid);
CREATE VIRTUAL TABLE passages_fts USING fts5(
    text, context, content='passages', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
"""
