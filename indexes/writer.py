"""Writing a new index generation: documents, passages, windows, vectors, manifest.

Nothing is visible to readers until `commit()`; `abort()` (or a crash) leaves the current
generation untouched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corpus.types import Metadata, ParsedDocument
from indexes import layout
from indexes.checksums import digest, file_checksum, remember_verified
from indexes.flatfile import VectorSpill, write_flat_index
from indexes.manifest import MANIFEST_NAME, Manifest
from indexes.recovery import Sources
from indexes.schema import SCHEMA

if TYPE_CHECKING:
    from indexes.reader import IndexReader


def document_id(path: str) -> str:
    """Short stable id of a document, derived from its path."""
    # 48 bits: a collision among 100,000 documents has odds of about 1 in 50,000.
    return hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def passage_id(doc_id: str, ordinal: int) -> str:
    return f"{doc_id}.{ordinal}"


_DOCUMENT_COLUMNS = ("id, path, root, title, date, author, publisher, extra, title_inferred,"
                     " date_inferred, encoding, content_hash, n_passages, metadata_key")
_PASSAGE_COLUMNS = ("id, ordinal, heading, text, context, char_start, char_end, line_start,"
                    " line_end")


_SPILL_NAME = "vectors.spill"  # removed once dense.faiss is written
_COPY_BLOCK = 65536  # vectors carried over from the previous generation at a time


class GenerationWriter:
    """Builds one generation in a temporary folder, then publishes it atomically. The
    caller holds `layout.write_lock` around reading the old generation and writing this."""

    def __init__(self, index_dir: Path, manifest: Manifest,
                 model_option: str | None = None) -> None:
        self.index_dir = index_dir
        self.manifest = manifest
        self.model_option = model_option  # the --model a rebuild must give again
        layout.check_writable(index_dir)
        self.folder = layout.new_temporary_generation(index_dir)
        self.db = sqlite3.connect(self.folder / layout.DB_NAME)
        self.db.executescript(SCHEMA)
        # Vectors go to disk as they come (see indexes.flatfile), not to a list in memory.
        self._spill = VectorSpill(self.folder / _SPILL_NAME, manifest.dimension)
        self._next_window = 0

    def add_document(
        self,
        doc: ParsedDocument,
        root: Path | None,
        contexts: Sequence[str],
        windows: Sequence[Sequence[tuple[int, int]]],
        vectors: np.ndarray,
        metadata_key: str = "",
    ) -> None:
        """Add a parsed document; `contexts[i]` is passage i's searchable context,
        `windows[i]` the char spans (within the passage text) of its windows, and `vectors`
        holds one row per window, in that order. `metadata_key` identifies the metadata the
        document was indexed with, to notice when it changes."""
        doc_rowid = self.start_document(doc, root, metadata_key)
        self.add_passages(doc_rowid, doc, range(len(doc.passages)), contexts, windows, vectors)

    def start_document(self, doc: ParsedDocument, root: Path | None,
                       metadata_key: str = "") -> int:
        """Record a document; its passages follow in `add_passages` calls, so that a very
        long document is written in parts instead of held whole. Returns its rowid."""
        return self._insert_document(str(doc.path), root, doc.metadata, doc.encoding,
                                     doc.content_hash, len(doc.passages), metadata_key)

    def add_passages(self, doc_rowid: int, doc: ParsedDocument, indices: Sequence[int],
                     contexts: Sequence[str], windows: Sequence[Sequence[tuple[int, int]]],
                     vectors: np.ndarray) -> None:
        """Passages `indices` of a started document, with their contexts, window spans and
        one vector per window, in order."""
        if sum(len(w) for w in windows) != len(vectors):
            raise ValueError("one vector per window expected")
        doc_id = document_id(str(doc.path))
        for index, context, spans in zip(indices, contexts, windows, strict=True):
            passage = doc.passages[index]
            cursor = self.db.execute(
                "INSERT INTO passages (id, doc_rowid, ordinal, heading, text, context,"
                " char_start, char_end, line_start, line_end) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (passage_id(doc_id, passage.ordinal), doc_rowid, passage.ordinal,
                 passage.heading, passage.text, context, passage.char_start, passage.char_end,
                 passage.line_start, passage.line_end),
            )
            self._insert_windows(cursor.lastrowid, spans)
        self._spill.append(vectors)

    def copy_documents(self, reader: IndexReader, paths: Sequence[str]) -> None:
        """Carry documents over from the previous generation, vectors included, in bulk:
        re-indexing a large collection after one edit must not cost a query per passage."""
        if not paths:
            return
        self.db.commit()  # ATTACH is refused inside a transaction
        self.db.execute("ATTACH DATABASE ? AS old", (str(reader.db_path),))
        try:
            self.db.execute("CREATE TEMP TABLE keep (path TEXT PRIMARY KEY)")
            self.db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", [(p,) for p in paths])
            self.db.execute(f"INSERT INTO documents ({_DOCUMENT_COLUMNS}) SELECT"
                            f" {_DOCUMENT_COLUMNS} FROM old.documents WHERE path IN keep"
                            " ORDER BY path")
            self.db.execute(
                f"INSERT INTO passages ({_PASSAGE_COLUMNS}, doc_rowid) SELECT"
                f" {', '.join('p.' + c for c in _PASSAGE_COLUMNS.split(', '))}, d.rowid"
                " FROM old.passages p JOIN old.documents o ON o.rowid = p.doc_rowid"
                " JOIN documents d ON d.path = o.path WHERE o.path IN keep"
                " ORDER BY d.rowid, p.ordinal")
            old_windows = self.db.execute(
                "SELECT w.id, n.rowid, w.char_start, w.char_end FROM old.windows w"
                " JOIN old.passages p ON p.rowid = w.passage_rowid"
                " JOIN old.documents o ON o.rowid = p.doc_rowid"
                " JOIN passages n ON n.id = p.id WHERE o.path IN keep ORDER BY w.id").fetchall()
            first = self._next_window
            self.db.executemany(
                "INSERT INTO windows (id, passage_rowid, char_start, char_end) VALUES (?,?,?,?)",
                [(first + i, row[1], row[2], row[3]) for i, row in enumerate(old_windows)])
            self._next_window += len(old_windows)
            ids = [row[0] for row in old_windows]
            for start in range(0, len(ids), _COPY_BLOCK):  # bounded memory at any size
                self._spill.append(reader.vectors(ids[start:start + _COPY_BLOCK]))
            self.db.execute("DROP TABLE keep")
            self.db.commit()
        finally:
            self.db.execute("DETACH DATABASE old")

    def commit(self, also_keep: frozenset[str] = frozenset()) -> Path:
        """Write the FAISS index, the window map and the manifest with the checksum of every
        file, then switch readers to this generation (see layout.publish for `also_keep`)."""
        self.db.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")
        counts = self._counts()
        window_passages = np.fromiter(
            (r[0] for r in self.db.execute("SELECT passage_rowid FROM windows ORDER BY id")),
            dtype=np.int64)
        roots = sorted(r[0] for r in self.db.execute(
            "SELECT DISTINCT root FROM documents WHERE root IS NOT NULL"))
        self.db.commit()
        self.db.close()
        np.save(self.folder / layout.WINDOWS_NAME, window_passages)
        write_flat_index(self._spill, self.folder / layout.FAISS_NAME)
        (self.folder / _SPILL_NAME).unlink()
        files = {name: file_checksum(self.folder / name)
                 for name in layout.DATA_FILES}
        manifest = replace(self.manifest, counts=counts, files=files,
                           created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        text = manifest.to_json().encode("utf-8")
        (self.folder / MANIFEST_NAME).write_bytes(text)
        sources = Sources(roots, self.model_option).to_json()
        final = layout.publish(self.index_dir, self.folder, digest(text), also_keep, sources)
        for name, checksum in files.items():  # hashed just now: readers need not again
            remember_verified(final / name, checksum)
        return final

    def abort(self) -> None:
        """Drop the temporary generation; the current one stays as it was."""
        try:
            self._spill.close()
            self.db.close()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _insert_document(self, path: str, root: Path | None, meta: Metadata,
                         encoding: str | None, content_hash: str, n_passages: int,
                         metadata_key: str) -> int:
        cursor = self.db.execute(
            f"INSERT INTO documents ({_DOCUMENT_COLUMNS}) VALUES ({','.join('?' * 14)})",
            (document_id(path), path, str(root) if root else None, meta.title, meta.date,
             meta.author, meta.publisher, json.dumps(meta.extra), int(meta.title_inferred),
             int(meta.date_inferred), encoding, content_hash, n_passages, metadata_key),
        )
        return int(cursor.lastrowid or 0)

    def _insert_windows(self, passage_rowid: int | None, spans: Sequence[tuple[int, int]]) -> None:
        for start, end in spans:
            self.db.execute("INSERT INTO windows (id, passage_rowid, char_start, char_end)"
                            " VALUES (?,?,?,?)", (self._next_window, passage_rowid, start, end))
            self._next_window += 1

    def _counts(self) -> dict[str, int]:
        return {table: int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                for table in ("documents", "passages", "windows")}
