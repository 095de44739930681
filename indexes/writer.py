"""Writing a new index generation: new segments, tombstones, compaction, manifest.

A generation keeps the segments of the one before it (hard-linked, never copied), adds the
segments this run writes, and tombstones the documents they replace or that were removed,
so that work is proportional to what changed. Compaction (indexes/compaction.py) merges
segments' live documents into one new segment; this module keeps the generation's account of
which segments it holds. Nothing is visible to readers until `commit()`; `abort()` (or a
crash) leaves the current generation untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corpus.types import Metadata, ParsedDocument
from indexes import compaction
from indexes.lexical.postings import write_postings
from indexes.schema import DOCUMENT_COLUMNS, SCHEMA
from indexes.segments import DB_NAME, KINDS, SEGMENT_PREFIX, UNITS_NAME, Segment, SegmentInfo
from indexes.storage import layout
from indexes.storage.checksums import digest, file_checksum, remember_verified
from indexes.storage.manifest import MANIFEST_NAME, Manifest
from indexes.storage.recovery import Sources
from indexes.store_settings import DEFAULT_STORE, StoreSettings
from indexes.vectors.base import VectorSpill
from indexes.vectors.factory import write_store

if TYPE_CHECKING:
    from indexes.reader import IndexReader

# parallax/indexing.py imports StoreSettings from here (it moved to indexes.store_settings):
# it stays importable from this module until that file is updated.
__all__ = ["GenerationWriter", "SegmentWriter", "StoreSettings", "document_id", "passage_id"]


def document_id(path: str) -> str:
    """Short stable id of a document, derived from its path."""
    # 48 bits: a collision among 100,000 documents has odds of about 1 in 50,000.
    return hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def passage_id(doc_id: str, ordinal: int) -> str:
    return f"{doc_id}.{ordinal}"


_SPILL_NAME = "vectors.spill"  # removed once the vector store is written


class SegmentWriter:
    """Writes one segment into a generation being built, with ids from `first` on."""

    def __init__(self, generation: Path, dimension: int, first: dict[str, int]) -> None:
        self.info = SegmentInfo(name=f"{SEGMENT_PREFIX}{uuid.uuid4().hex[:12]}",
                                first=dict(first))
        self.folder = generation / self.info.name
        self.folder.mkdir()
        self.dimension = dimension
        self.db = sqlite3.connect(self.folder / DB_NAME)
        # No rollback journal and no fsync per commit: the segment lives in a temporary
        # generation that is fsynced whole before it is published (layout.publish), and a
        # crash before that throws the generation away, so SQLite's own durability only
        # cost a wait on the disk at every commit (half of a one-file run's wall time).
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.executescript(SCHEMA)
        # Vectors go to disk as they come (indexes/vectors/base.py), not to a list in memory.
        self.spill = VectorSpill(self.folder / _SPILL_NAME, dimension)
        self.next_ids = dict(first)  # the ids the next rows of each kind get

    @property
    def documents(self) -> int:
        return self.next_ids["documents"] - self.info.first["documents"]

    def start_document(self, doc: ParsedDocument, root: Path | None, metadata_key: str = "",
                       stat: tuple[int, int] = (-1, -1)) -> int:
        """Record a document (file `stat`: size and mtime in ns); its passages follow in
        `add_passages` calls, in order. Returns its rowid."""
        return self._insert_document(str(doc.path), root, doc.metadata, doc.encoding,
                                     doc.content_hash, len(doc.passages), metadata_key, stat)

    def add_passages(self, doc_rowid: int, doc: ParsedDocument, indices: Sequence[int],
                     contexts: Sequence[str], windows: Sequence[Sequence[tuple[int, int]]],
                     vectors: np.ndarray) -> None:
        """Passages `indices` of the document started last, with their contexts, window
        spans and one vector per window, in order."""
        if sum(len(w) for w in windows) != len(vectors):
            raise ValueError("one vector per window expected")
        doc_id = document_id(str(doc.path))
        for index, context, spans in zip(indices, contexts, windows, strict=True):
            passage = doc.passages[index]
            rowid = self._take("passages")
            self.db.execute(
                "INSERT INTO passages (rowid, id, doc_rowid, ordinal, heading, text, context,"
                " char_start, char_end, line_start, line_end, page_start, page_end, ocr)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (rowid, passage_id(doc_id, passage.ordinal), doc_rowid, passage.ordinal,
                 passage.heading, passage.text, context, passage.char_start, passage.char_end,
                 passage.line_start, passage.line_end,
                 *(passage.pages or (None, None)), int(passage.ocr)))
            for start, end in spans:
                self.db.execute("INSERT INTO windows (id, passage_rowid, char_start, char_end)"
                                " VALUES (?,?,?,?)", (self._take("windows"), rowid, start, end))
        self.spill.append(vectors)

    def finish(self, store: StoreSettings) -> tuple[SegmentInfo, dict[str, dict]]:
        """Write the lexical index, the document ranges, the unit map and the vector store;
        the segment's info and the checksum of each of its files."""
        self.db.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")
        write_postings(self.db, self.info.first["passages"],
                       self.next_ids["passages"] - self.info.first["passages"])
        self.db.execute(
            "UPDATE documents SET first_passage = coalesce((SELECT min(rowid) FROM passages"
            " WHERE doc_rowid = documents.rowid), 0), first_unit = coalesce((SELECT min(w.id)"
            " FROM windows w JOIN passages p ON p.rowid = w.passage_rowid"
            " WHERE p.doc_rowid = documents.rowid), 0), n_units = (SELECT count(*) FROM"
            " windows w JOIN passages p ON p.rowid = w.passage_rowid"
            " WHERE p.doc_rowid = documents.rowid)")
        unit_passages = np.fromiter(
            (r[0] for r in self.db.execute("SELECT passage_rowid FROM windows ORDER BY id")),
            dtype=np.int64)
        self.db.commit()
        self.db.close()
        np.save(self.folder / UNITS_NAME, unit_passages)
        counts = {kind: self.next_ids[kind] - self.info.first[kind] for kind in KINDS}
        if counts["windows"] != self.spill.rows:
            raise ValueError(f"{self.spill.rows} vectors for {counts['windows']} units")
        backend, params = write_store(self.spill, self.folder, store.approximate_above,
                                      store.precision)
        (self.folder / _SPILL_NAME).unlink()
        info = replace(self.info, backend=backend, counts=counts, params=params)
        files = {name: file_checksum(self.folder.parent / name) for name in info.files}
        return info, files

    def abort(self) -> None:
        try:
            self.spill.close()
            self.db.close()
        except (OSError, sqlite3.Error):
            pass

    def _take(self, kind: str) -> int:
        value = self.next_ids[kind]
        self.next_ids[kind] = value + 1
        return value

    def _insert_document(self, path: str, root: Path | None, meta: Metadata,
                         encoding: str | None, content_hash: str, n_passages: int,
                         metadata_key: str, stat: tuple[int, int]) -> int:
        rowid = self._take("documents")
        self.db.execute(
            f"INSERT INTO documents (rowid, {DOCUMENT_COLUMNS}) VALUES ({','.join('?' * 17)})",
            (rowid, document_id(path), path, str(root) if root else None, meta.title,
             meta.date, meta.author, meta.publisher, json.dumps(meta.extra),
             int(meta.title_inferred), int(meta.date_inferred), encoding, content_hash,
             n_passages, metadata_key, stat[0], stat[1]))
        return rowid


class GenerationWriter:
    """Builds one generation in a temporary folder from the generation `base` (kept whole
    unless documents are removed or segments merged), then publishes it atomically. The
    caller holds `layout.write_lock` around reading the old generation and writing this."""

    def __init__(self, index_dir: Path, manifest: Manifest, model_option: str | None = None,
                 base: IndexReader | None = None, store: StoreSettings = DEFAULT_STORE) -> None:
        self.index_dir = index_dir
        self.manifest = manifest
        self.model_option = model_option  # the --model a rebuild must give again
        self.store = store
        self.base = base
        layout.check_writable(index_dir)
        self.folder = layout.new_temporary_generation(index_dir)
        self._kept: list[Segment] = list(base.segments) if base is not None else []
        self._deleted: set[int] = set(base.deleted.tolist()) if base is not None else set()
        self._counts = dict(base.manifest.counts) if base is not None else dict.fromkeys(KINDS, 0)
        self._next = ({kind: int(base.manifest.next_ids.get(kind, 0)) for kind in KINDS}
                      if base is not None else dict.fromkeys(KINDS, 0))
        self._written: list[tuple[SegmentInfo, dict[str, dict]]] = []
        self._open: SegmentWriter | None = None

    def remove_documents(self, rowids: Sequence[int]) -> None:
        """Tombstone documents of the base generation (replaced or gone)."""
        if not rowids:
            return
        assert self.base is not None
        fresh = [r for r in rowids if r not in self._deleted]
        for rowid in fresh:
            doc = self.base.document(rowid)
            self._counts["documents"] -= 1
            self._counts["passages"] -= doc.n_passages
            self._counts["windows"] -= doc.n_units
        self._deleted.update(fresh)

    def new_segment(self) -> SegmentWriter:
        """A segment for new documents; it is finished at `commit` (one open at a time)."""
        self._finish_open()
        self._open = SegmentWriter(self.folder, self.manifest.dimension, self._next)
        return self._open

    def merge(self, segments: Sequence[Segment]) -> None:
        """Replace `segments` (of the base) by one segment holding their live documents."""
        self._merge(segments, also_written=False)

    def merge_all_if_small(self) -> bool:
        """Make this generation one segment (the base's live documents and everything
        written so far) when it will hold at most `store.compact_below` live passages, so
        that a small index is published once per run, as one segment. True when merged."""
        self._finish_open()
        segments = len(self._kept) + len(self._written)
        if not compaction.merges_everything(self._counts["passages"], segments,
                                            bool(self._deleted), self.store):
            return False
        self._merge(list(self._kept), also_written=True)
        return True

    def _merge(self, segments: Sequence[Segment], also_written: bool) -> None:
        """One new segment with the live documents of `segments` (and, `also_written`, of
        the segments this generation wrote so far, which it replaces)."""
        self._finish_open()
        writer = SegmentWriter(self.folder, self.manifest.dimension, self._next)
        try:
            for segment in segments:
                gone = self._in(segment)
                compaction.copy_live(writer, segment, gone)
                self._kept.remove(segment)
                self._deleted -= set(gone)
            replaced, self._written = (self._written, []) if also_written else ([], self._written)
            for info, _ in replaced:
                fresh = Segment(self.folder, info, np.zeros(0, dtype=np.int64))
                try:
                    compaction.copy_live(writer, fresh, [])
                finally:
                    fresh.close()
                shutil.rmtree(self.folder / info.name)
            self._finish(writer, count=False)
        except BaseException:
            writer.abort()
            raise

    def _in(self, segment: Segment) -> list[int]:
        """This generation's tombstones that fall in `segment`."""
        return sorted(r for r in self._deleted if segment.holds("documents", r))

    def commit(self) -> Path:
        """Link the kept segments, write the tombstones and the manifest with the checksum
        of every file, then switch readers to this generation (layout.publish)."""
        self._finish_open()
        files: dict[str, dict] = {}
        linked: list[tuple[str, dict]] = []
        for segment in self._kept:
            (self.folder / segment.info.name).mkdir()
            for name in segment.info.files:
                _link(segment.folder.parent / name, self.folder / name)
                files[name] = self.base.manifest.files[name]  # type: ignore[union-attr]
                linked.append((name, files[name]))
        infos = [s.info for s in self._kept] + [info for info, _ in self._written]
        for _, checksums in self._written:
            files.update(checksums)
        deleted = np.array(sorted(r for r in self._deleted
                                  if any(i.first["documents"] <= r < i.end("documents")
                                         for i in infos)), dtype=np.int64)
        np.save(self.folder / layout.TOMBSTONES_NAME, deleted)
        files[layout.TOMBSTONES_NAME] = file_checksum(self.folder / layout.TOMBSTONES_NAME)
        infos.sort(key=lambda i: i.first.get("windows", 0))
        manifest = replace(self.manifest, counts=dict(self._counts), files=files,
                           segments=[i.to_dict() for i in infos], next_ids=dict(self._next),
                           deleted=len(deleted), store=self.store.as_dict(),
                           created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        text = manifest.to_json().encode("utf-8")
        (self.folder / MANIFEST_NAME).write_bytes(text)
        roots = sorted(self._roots())
        sources = Sources(roots, self.model_option).to_json()
        final = layout.publish(self.index_dir, self.folder, digest(text), sources)
        for name, checksum in files.items():  # hashed or verified just now
            remember_verified(final / name, checksum)
        for name, checksum in linked:  # linking changed the shared inode's ctime
            remember_verified(self.base.generation / name, checksum)  # type: ignore[union-attr]
        return final

    def abort(self) -> None:
        """Drop the temporary generation; the current one stays as it was."""
        try:
            if self._open is not None:
                self._open.abort()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def _finish_open(self) -> None:
        if self._open is not None:
            writer, self._open = self._open, None
            self._finish(writer, count=True)

    def _finish(self, writer: SegmentWriter, count: bool) -> None:
        info, checksums = writer.finish(self.store)
        if info.counts["documents"] == 0:  # nothing was written: no empty segment
            shutil.rmtree(writer.folder)
            return
        self._written.append((info, checksums))
        self._next = {kind: info.end(kind) for kind in KINDS}
        if count:
            for kind in KINDS:
                self._counts[kind] += info.counts[kind]

    def _roots(self) -> set[str]:
        roots: set[str] = set()
        for segment in self._kept:
            gone = json.dumps(self._in(segment))
            roots |= {r[0] for r in segment.db.execute(
                "SELECT DISTINCT root FROM documents WHERE root IS NOT NULL AND rowid NOT IN"
                " (SELECT value FROM json_each(?))", (gone,))}
        for info, _ in self._written:
            db = sqlite3.connect(self.folder / info.name / DB_NAME)
            try:
                roots |= {r[0] for r in db.execute(
                    "SELECT DISTINCT root FROM documents WHERE root IS NOT NULL")}
            finally:
                db.close()
        return roots


def _link(source: Path, destination: Path) -> None:
    """A hard link (segments are immutable, so generations share their files); a copy
    where the file system has no hard links."""
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
