"""Reading the current generation of an index: records, windows and vectors."""

from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Iterable, Sequence
from pathlib import Path

import faiss
import numpy as np

from indexes import layout
from indexes.checksums import mismatch, remember_verified, verified_before
from indexes.errors import IndexCorrupt, IndexError_, IndexOutdated, IndexUnreadable
from indexes.manifest import FORMAT_VERSION, MANIFEST_NAME, Manifest
from indexes.mentions import MentionIndex
from indexes.records import DocumentRecord, PassageRecord
from indexes.recovery import read_sources, rebuild_hint

# Generations this process has verified: a generation never changes once published, so
# each is checked once per process, whatever the number of readers that open it.
_VERIFIED: set[tuple[str, str]] = set()


class IndexReader:
    """Read-only access to one generation, verified against its checksums when this process
    first opens it. Opening holds the generation (see layout.hold) until `close`, so a
    writer never removes it from under a long-lived reader. FAISS loads on first use."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._hold: int | None = None
        self.generation, pointer_hash = self._open_generation()
        try:
            self.manifest = self._verified_manifest(pointer_hash)
            self.db_path = self.generation / layout.DB_NAME
            self.db = sqlite3.connect(read_only_uri(self.db_path), uri=True,
                                      check_same_thread=False)
        except BaseException:
            layout.release(self._hold)
            raise
        self.db.row_factory = sqlite3.Row
        self._faiss: faiss.Index | None = None
        self._documents: list[DocumentRecord] | None = None
        self._mentions: MentionIndex | None = None
        self._word_counts: dict[str, int] = {}
        self._window_passages: np.ndarray | None = None

    def _open_generation(self) -> tuple[Path, str]:
        # A writer may switch CURRENT between our reading it and holding the generation,
        # and remove that generation at its next publish: read again until the generation
        # held is still there.
        for _ in range(10):
            name, pointer_hash = layout.read_pointer(self.index_dir)
            generation = self.index_dir / name
            try:
                fd = layout.hold(generation)
            except FileNotFoundError:
                continue
            except PermissionError:
                raise IndexUnreadable(self.index_dir, f"permission denied on {name}") from None
            except OSError as error:
                raise self._damaged(f"{name} cannot be opened ({error.strerror})") from None
            if (generation / MANIFEST_NAME).exists():
                self._hold = fd
                return generation, pointer_hash
            layout.release(fd)
        raise self._damaged(f"{layout.CURRENT} names a generation without a {MANIFEST_NAME}")

    def _damaged(self, reason: str) -> IndexCorrupt:
        return IndexCorrupt(self.index_dir, reason, rebuild_hint(self.index_dir))

    def _verified_manifest(self, pointer_hash: str) -> Manifest:
        try:
            manifest = Manifest.read_verified(self.generation, pointer_hash)
        except PermissionError:
            raise IndexUnreadable(self.index_dir, f"permission denied on {MANIFEST_NAME}") from None
        except ValueError as error:
            raise self._damaged(str(error)) from None
        if manifest.format_version != FORMAT_VERSION:
            raise IndexOutdated(self.index_dir, manifest.format_version, FORMAT_VERSION,
                                rebuild_hint(self.index_dir))
        key = (str(self.generation), pointer_hash)
        if key not in _VERIFIED:
            for name in layout.DATA_FILES:
                if name not in manifest.files:
                    raise self._damaged(f"{MANIFEST_NAME} records no checksum for {name}")
                expected = manifest.files[name]
                if verified_before(self.generation / name, expected):
                    continue
                problem = mismatch(self.generation, name, expected)
                if problem:
                    raise self._damaged(f"{self.generation.name}/{problem}")
                remember_verified(self.generation / name, expected)
            _VERIFIED.add(key)
        return manifest

    @property
    def generation_name(self) -> str:
        return self.generation.name

    def close(self) -> None:
        # Dropping the maps lets the space of a removed generation be freed now.
        self._faiss = None
        self._window_passages = None
        self.db.close()
        layout.release(self._hold)
        self._hold = None

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
                raise self._damaged(f"unreadable {path.name}") from error
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
                raise self._damaged(f"unreadable {path.name}") from error
            if self._faiss.ntotal != len(self.window_passages):
                raise self._damaged(f"{path.name} holds {self._faiss.ntotal} vectors for "
                                    f"{len(self.window_passages)} windows")
        return self._faiss

    def vectors(self, window_ids: Sequence[int]) -> np.ndarray:
        if not window_ids:
            return np.zeros((0, self.manifest.dimension), dtype=np.float32)
        ids = np.asarray(window_ids, dtype=np.int64)
        return self.faiss_index.reconstruct_batch(ids)


def read_only_uri(path: Path) -> str:
    # Quoted: "#", "?" and "%" in a folder name would otherwise end the path.
    return "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"


def _query_current(index_dir: Path, sql: str) -> list[tuple] | None:
    """Rows of the current generation's database, read without checking the index's format
    (an index written by another version can still be rebuilt from them); None when the
    index is missing or too damaged to read."""
    try:
        path = layout.current_generation(index_dir) / layout.DB_NAME
        db = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()
    except (IndexError_, sqlite3.Error, OSError):
        return None


def indexed_roots(index_dir: Path) -> list[str]:
    """The folders (or files) an index was built from: from its recovery record, which
    survives damage to the generation, else from its database (indexes of older versions)."""
    sources = read_sources(index_dir)
    if sources is not None and sources.roots:
        return sorted(sources.roots)
    rows = _query_current(index_dir,
                          "SELECT DISTINCT root FROM documents WHERE root IS NOT NULL")
    return sorted(r[0] for r in rows or [])


def indexed_paths(index_dir: Path) -> set[str]:
    """The paths of every document of an index (empty when it cannot be read)."""
    return {r[0] for r in _query_current(index_dir, "SELECT path FROM documents") or []}
