"""SQLite schema of an index: documents, passages, windows and the FTS5 lexical index."""

from indexes.lexical.fts import CJK_GLOB, CJK_LEAD_BYTES

# The FTS table reads passages through `passages_lexical`, which sets every CJK character
# apart with spaces so that unicode61 makes it a token of its own (indexes/lexical/fts.py says
# why; lexical.index_form is the same in Python). Text without CJK characters passes through
# unchanged, so English is indexed exactly as by the table itself, and is recognised by
# looking for the bytes that start a CJK character in UTF-8 (a GLOB over a character class
# costs 25 times the whole rebuild of an English index). SQL has no regex replace: the
# characters of a CJK passage are walked by a recursive query, in order.
_MAY_HOLD_CJK = ("length(CAST({col} AS BLOB)) > length({col}) AND ("  # ASCII: one pass
                 + " OR ".join(f"instr(CAST({{col}} AS BLOB), X'{b:02X}')" for b in CJK_LEAD_BYTES)
                 + ")")
_LEXICAL_FORM = """CASE WHEN """ + _MAY_HOLD_CJK + """ THEN (
        WITH RECURSIVE c(i, ch) AS (
            SELECT 1, substr({col}, 1, 1)
            UNION ALL SELECT i + 1, substr({col}, i + 1, 1) FROM c WHERE i < length({col}))
        SELECT group_concat(CASE WHEN ch GLOB '{cjk}' THEN ' ' || ch || ' ' ELSE ch END, '')
        FROM c)
    ELSE {col} END"""

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
    metadata_key TEXT NOT NULL DEFAULT '',  -- what metadata.csv said when it was indexed
    size INTEGER NOT NULL DEFAULT -1,  -- of the file when read: unchanged files are known
    mtime_ns INTEGER NOT NULL DEFAULT -1,  -- by size and modification time, before hashing
    -- A document's passages and units are consecutive ids: filters and tombstones become
    -- id ranges instead of scans.
    first_passage INTEGER NOT NULL DEFAULT 0,
    first_unit INTEGER NOT NULL DEFAULT 0,
    n_units INTEGER NOT NULL DEFAULT 0
);
-- Every hybrid question looks for authors and years it names (indexes/query/mentions.py): their
-- distinct values, and a named group's documents, are then read from these, not from a
-- scan of every document's row (at 125,000 documents 0.04 s instead of 0.12 s each).
CREATE INDEX documents_by_author ON documents(author);
CREATE INDEX documents_by_year ON documents(substr(date, 1, 4));
CREATE TABLE passages (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    doc_rowid INTEGER NOT NULL REFERENCES documents(rowid),
    ordinal INTEGER NOT NULL,
    heading TEXT,
    text TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '',  -- title, author, date, heading: searched, not shown
    char_start INTEGER NOT NULL, char_end INTEGER NOT NULL,
    line_start INTEGER NOT NULL, line_end INTEGER NOT NULL,
    -- Paged formats (PDF): first and last page; NULL for others, and in segments written
    -- before pages were recorded (they read as NULL: see passage_columns_from).
    page_start INTEGER, page_end INTEGER,
    ocr INTEGER NOT NULL DEFAULT 0  -- its text was read by OCR
);
CREATE INDEX passages_by_document ON passages(doc_rowid, ordinal);
-- A window's (unit's) id is global; minus its segment's first unit, its row in the segment's
-- vector store.
CREATE TABLE windows (
    id INTEGER PRIMARY KEY,
    passage_rowid INTEGER NOT NULL REFERENCES passages(rowid),
    char_start INTEGER NOT NULL, char_end INTEGER NOT NULL
);
CREATE INDEX windows_by_passage ON windows(passage_rowid);
-- What the lexical index reads: passages with each CJK character set apart.
CREATE VIEW passages_lexical AS SELECT rowid,
    """ + _LEXICAL_FORM.format(col="p.text", cjk=CJK_GLOB) + """ AS text,
    """ + _LEXICAL_FORM.format(col="p.context", cjk=CJK_GLOB) + """ AS context
FROM passages p;
CREATE VIRTUAL TABLE passages_fts USING fts5(
    text, context, content='passages_lexical', content_rowid='rowid',
    tokenize='porter unicode61 remove_diacritics 2'
);
"""

# The columns written for a document and a passage besides their rowids (and a passage's
# document): the writer inserts them, compaction copies them from segment to segment.
DOCUMENT_COLUMNS = ("id, path, root, title, date, author, publisher, extra, title_inferred,"
                     " date_inferred, encoding, content_hash, n_passages, metadata_key, size,"
                     " mtime_ns")
PASSAGE_COLUMNS = ("id, ordinal, heading, text, context, char_start, char_end, line_start,"
                    " line_end, page_start, page_end, ocr")
# Columns added after segments were first written, with what an older segment reads as.
LATER_PASSAGE_COLUMNS = {"page_start": "NULL", "page_end": "NULL", "ocr": "0"}


def passage_columns_from(existing: set[str], alias: str) -> str:
    """PASSAGE_COLUMNS as selected from a segment's passages table (`alias`) that has the
    `existing` columns: a column it was written without reads as its default."""
    names = [c.strip() for c in PASSAGE_COLUMNS.split(",")]
    return ", ".join(f"{alias}.{c}" if c in existing or c not in LATER_PASSAGE_COLUMNS
                     else LATER_PASSAGE_COLUMNS[c] for c in names)
