"""Reading the current generation of an index: records, windows and vectors."""

from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Iterable, Sequence
from pathlib import Path

import faiss
import numpy as np

from indexes import layout
from indexes.errors import IndexCorrupt, IndexOutdated
from indexes.manifest import FORMAT_VERSION, MANIFEST_NAME, Manifest
from indexes.mentions import MentionIndex
from indexes.records import DocumentRecord, PassageRecord


class IndexReader:
    """Read-only access to one generation. Opening is cheap; FAISS loads on first use."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.generation = layout.current_generation(index_dir)
        try:
            self.manifest = Manifest.read(self.generation / MANIFEST_NAME)
        except (OSError, ValueError, TypeError) as error:
            raise IndexCorrupt(index_dir, f"unreadable manifest ({error})") from error
        if self.manifest.format_version != FORMAT_VERSION:
            raise IndexOutdated(index_dir, self.manifest.format_version, FORMAT_VERSION)
        self.db_path = self.generation / layout.DB_NAME
        if not self.db_path.is_file():
            raise IndexCorrupt(index_dir, f"missing {self.db_path.name}")
        self.db = sqlite3.connect(_read_only_uri(self.db_path), uri=True,
                                  check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self._faiss: faiss.Index | None = None
        self._documents: list[DocumentRecord] | None = None
        self._mentions: MentionIndex | None = None
        self._word_counts: dict[str, int] = {}
        self._window_passages: np.ndarray | None = None

    def close(self) -> None:
        # Dropping the maps lets the space of a removed generation be freed now.
        self._faiss = None
        self._window_passages = None
        self.db.close()

    def __enter__(self) -> IndexReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Documents -------------------------------------------------------------------------

    def documents(self) -> list[DocumentRecord]:
        """All documents by path; read once, since a generation never changes."""
        if self._documents is None:
            rows = self.db.execute("SELECT * FROM documents ORDER BY path")
            self._documents = [DocumentRecord.from_row(row) for row in rows]
        return list(self._documents)

    def document(self, rowid: int) -> DocumentRecord:
        row = self.db.execute("SELECT * FROM documents WHERE rowid = ?", (rowid,)).fetchone()
        return DocumentRecord.from_row(row)

    def roots(self) -> list[str]:
        """The folders the indexed documents came from."""
        return sorted({doc.root for doc in self.documents() if doc.root})

    def document_by_path(self, path: str) -> DocumentRecord | None:
        row = self.db.execute("SELECT * FROM documents WHERE path = ?", (path,)).fetchone()
        return DocumentRecord.from_row(row) if row else None

    @property
    def mentions(self) -> MentionIndex:
        """Authors and years of the documents, for reading them in questions."""
        if self._mentions is None:
            self._mentions = MentionIndex(self.documents())
        return self._mentions

    def is_common_word(self, word: str, share: float = 0.2) -> bool:
        """Whether more than `share` of the passages contain the word (FTS5, stemmed)."""
        if word not in self._word_counts:
            row = self.db.execute("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?",
                                  ('text : "' + word.replace('"', '""') + '"',)).fetchone()
            self._word_counts[word] = int(row[0])
        total = self.manifest.counts.get("passages", 0) or 1
        return self._word_counts[word] > share * total

    # Passages --------------------------------------------------------------------------

    def passages(self, rowids: Sequence[int]) -> dict[int, PassageRecord]:
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = self.db.execute(f"SELECT * FROM passages WHERE rowid IN ({marks})", list(rowids))
        return {row["rowid"]: PassageRecord.from_row(row) for row in rows}

    def passage_by_id(self, passage_id: str) -> PassageRecord | None:
        row = self.db.execute("SELECT * FROM passages WHERE id = ?", (passage_id,)).fetchone()
        return PassageRecord.from_row(row) if row else None

    def passages_of(self, doc_rowid: int, first: int = 0,
                    last: int | None = None) -> list[PassageRecord]:
        """Passages of a document in order, optionally only ordinals first..last."""
        rows = self.db.execute(
            "SELECT * FROM passages WHERE doc_rowid = ? AND ordinal >= ? AND ordinal <= ?"
            " ORDER BY ordinal", (doc_rowid, first, last if last is not None else 2**62))
        return [PassageRecord.from_row(row) for row in rows]

    def passage_positions(self, rowids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """(doc rowid, ordinal) of each passage rowid."""
        marks = ",".join("?" * len(rowids)) or "NULL"
        rows = self.db.execute(
            f"SELECT rowid, doc_rowid, ordinal FROM passages WHERE rowid IN ({marks})",
            list(rowids))
        return {r[0]: (r[1], r[2]) for r in rows}

    def passage_rowids_of(self, doc_rowids: Iterable[int]) -> np.ndarray:
        ids = list(doc_rowids)
        marks = ",".join("?" * len(ids)) or "NULL"
        rows = self.db.execute(f"SELECT rowid FROM passages WHERE doc_rowid IN ({marks})", ids)
        return np.fromiter((r[0] for r in rows), dtype=np.int64)

    # Windows and vectors -----------------------------------------------------------------

    def windows_of(self, passage_rowid: int) -> tuple[list[int], list[tuple[int, int]]]:
        rows = self.db.execute("SELECT id, char_start, char_end FROM windows"
                               " WHERE passage_rowid = ? ORDER BY id", (passage_rowid,)).fetchall()
        return [r[0] for r in rows], [(r[1], r[2]) for r in rows]

    @property
    def window_passages(self) -> np.ndarray:
        """passage rowid of each window, indexed by window id (= FAISS row); memory-mapped,
        so that a one-question process does not read a million rows through Python."""
        if self._window_passages is None:
            path = self.generation / layout.WINDOWS_NAME
            try:
                self._window_passages = np.load(path, mmap_mode="r")
            except (OSError, ValueError) as error:
                raise IndexCorrupt(self.index_dir, f"unreadable {path.name}") from error
        return self._window_passages

    @property
    def faiss_index(self) -> faiss.Index:
        if self._faiss is None:
            path = self.generation / layout.FAISS_NAME
            try:
                # Memory-mapped: pages are read as searched, and the mapping outlives the
                # file if a writer removes this generation meanwhile.
                self._faiss = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
            except RuntimeError as error:
                raise IndexCorrupt(self.index_dir, f"unreadable {path.name}") from error
            if self._faiss.ntotal != len(self.window_passages):
                raise IndexCorrupt(self.index_dir, f"{path.name} holds {self._faiss.ntotal}"
                                   f" vectors for {len(self.window_passages)} windows")
        return self._faiss

    def vectors(self, window_ids: Sequence[int]) -> np.ndarray:
        if not window_ids:
            return np.zeros((0, self.manifest.dimension), dtype=np.float32)
        ids = np.asarray(window_ids, dtype=np.int64)
        return self.faiss_index.reconstruct_batch(ids)


def _read_only_uri(path: Path) -> str:
    # Quoted: "#", "?" and "%" in a folder name would otherwise end the path.
    return "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"


def _query_current(index_dir: Path, sql: str) -> list[tuple]:
    """Rows of the current generation's database, read without checking the index's format,
    so that an index written by another version can still be rebuilt from them."""
    db = sqlite3.connect(_read_only_uri(layout.current_generation(index_dir) / layout.DB_NAME),
                         uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def indexed_roots(index_dir: Path) -> list[str]:
    """The folders (or files) an index was built from."""
    rows = _query_current(index_dir, "SELECT DISTINCT root FROM documents WHERE root IS NOT NULL")
    return sorted(r[0] for r in rows)


def indexed_paths(index_dir: Path) -> set[str]:
    """The paths of every document of an index."""
    return {r[0] for r in _query_current(index_dir, "SELECT path FROM documents")}
