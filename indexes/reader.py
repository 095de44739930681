"""Reading the current generation of an index: records, units and vectors, across its
segments. Everything above `indexes/` reaches passages and vectors through this class (and
indexes.query.search), never SQL or FAISS directly."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from indexes.errors import IndexCorrupt, IndexError_, IndexOutdated, IndexUnreadable
from indexes.query.document_columns import DocumentColumns
from indexes.query.filters import Filters
from indexes.query.mentions import MentionIndex
from indexes.records import DocumentRecord, PassageRecord
from indexes.segments import DB_NAME, Segment, SegmentInfo, read_only_uri, segment_of
from indexes.storage import layout
from indexes.storage.checksums import mismatch, remember_verified, verified_before
from indexes.storage.manifest import FORMAT_VERSION, MANIFEST_NAME, Manifest
from indexes.storage.recovery import read_sources, rebuild_hint

# Generations this process has verified: a generation never changes once published, so
# each is checked once per process, whatever the number of readers that open it.
_VERIFIED: set[tuple[str, str]] = set()


# SQL keeping a segment's live documents, given `_gone(segment)` as its parameter.
_LIVE = "rowid NOT IN (SELECT value FROM json_each(?))"


_STATE = "rowid, size, mtime_ns, content_hash, metadata_key"  # DocumentState's fields


def _gone(segment: Segment) -> str:
    return json.dumps(segment.deleted.tolist())


class _LiveGroups(Mapping[str, list[int]]):
    """Live documents' rowids by the value of an SQL expression over `documents` (empty
    values left out): the values read at once, each value's rowids when asked for, through
    the schema's index on the expression (a few ms for ten authors at a million passages;
    segments written before it scan their documents instead)."""

    def __init__(self, segments: list[Segment], expression: str) -> None:
        self._segments = segments
        self._expression = expression
        values: set[str] = set()
        for segment in segments:
            values.update(value for (value,) in segment.db.execute(
                f"SELECT DISTINCT {expression} AS value FROM documents"
                f" WHERE value IS NOT NULL AND value != '' AND {_LIVE}", (_gone(segment),)))
        self._values, self._known = sorted(values), frozenset(values)
        self._rowids: dict[str, list[int]] = {}

    def __getitem__(self, value: str) -> list[int]:
        if value not in self._rowids:
            if value not in self._known:
                raise KeyError(value)
            self._rowids[value] = [rowid for segment in self._segments for (rowid,) in
                                   segment.db.execute(
                                       f"SELECT rowid FROM documents WHERE {self._expression}"
                                       f" = ? AND {_LIVE}", (value, _gone(segment)))]
        return self._rowids[value]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class DocumentStates:
    """What a refresh compares each file with. `stamp(path)` is the indexed document's size
    and mtime as "size mtime_ns" (None when the path is not indexed): read for every
    document at once, it decides for the unchanged files, nearly all of a refresh.
    `get(path)` is its whole DocumentState: read one by one for the first few files that
    need it, then all at once."""

    ONE_BY_ONE = 256

    def __init__(self, reader: IndexReader, stamps: dict[str, str]) -> None:
        self._reader = reader
        self._stamps = stamps
        self._all: dict[str, DocumentState] | None = None
        self._asked = 0

    def __len__(self) -> int:
        return len(self._stamps)

    def __iter__(self) -> Iterator[str]:
        return iter(self._stamps)

    def stamp(self, path: str) -> str | None:
        return self._stamps.get(path)

    def get(self, path: str) -> DocumentState | None:
        if path not in self._stamps:
            return None
        if self._all is None:
            self._asked += 1
            if self._asked <= self.ONE_BY_ONE:
                return self._reader.document_state(path)
            self._all = self._reader._all_document_states()
        return self._all.get(path)


def stamp(size: int, mtime_ns: int) -> str:
    """DocumentStates.stamp of a file of this size and mtime."""
    return f"{size} {mtime_ns}"


class DocumentState(NamedTuple):
    """What a refresh compares a file with: which version is indexed, and how it looked.
    A tuple: a refresh makes one per indexed document (125,000 at a million passages)."""

    rowid: int
    size: int
    mtime_ns: int
    content_hash: str
    metadata_key: str


class IndexReader:
    """Read-only access to one generation, verified against its checksums when this process
    first opens it. Opening holds the generation (see layout.hold) until `close`, so a
    writer never removes it from under a long-lived reader. Vectors load on first use."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._hold: int | None = None
        self.generation, pointer_hash = self._open_generation()
        self.segments: list[Segment] = []
        try:
            self.manifest = self._verified_manifest(pointer_hash)
            self.deleted = self._tombstones()
            for entry in self.manifest.segments:
                info = SegmentInfo.from_dict(entry)
                mine = self.deleted[(self.deleted >= info.first.get("documents", 0))
                                    & (self.deleted < info.end("documents"))]
                self.segments.append(Segment(self.generation, info, mine))
        except sqlite3.Error as error:
            self.close()
            raise self._damaged(f"a segment's database cannot be opened ({error})") from None
        except ValueError as error:
            self.close()
            raise self._damaged(str(error)) from None
        except BaseException:
            self.close()
            raise
        self._documents: list[DocumentRecord] | None = None
        self._mentions: MentionIndex | None = None
        self._word_counts: dict[str, int] = {}
        self._allowed: dict[Filters, list[int]] = {}
        self._document_columns: DocumentColumns | None = None
        self._masks: list[tuple[Sequence[int], list[np.ndarray | None]]] = []
        self._passage_masks: list[tuple[Sequence[int], list[np.ndarray | None]]] = []

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
            for name in manifest.data_files():
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

    def _tombstones(self) -> np.ndarray:
        path = self.generation / layout.TOMBSTONES_NAME
        try:
            deleted = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise self._damaged(f"unreadable {path.name}") from error
        if deleted.ndim != 1 or deleted.dtype.kind != "i":
            raise self._damaged(f"{path.name} is not a list of document ids")
        return np.sort(deleted.astype(np.int64))

    @property
    def generation_name(self) -> str:
        return self.generation.name

    def close(self) -> None:
        # Dropping the maps lets the space of a removed generation be freed now.
        for segment in self.segments:
            segment.close()
        layout.release(self._hold)
        self._hold = None

    def __enter__(self) -> IndexReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _segment(self, kind: str, rowid: int) -> Segment | None:
        return segment_of(self.segments, kind, rowid)

    def _by_segment(self, kind: str, rowids: Iterable[int]) -> list[tuple[Segment, list[int]]]:
        groups: dict[int, list[int]] = {}
        for rowid in rowids:
            segment = self._segment(kind, int(rowid))
            if segment is not None:
                groups.setdefault(id(segment), []).append(int(rowid))
        return [(s, groups[id(s)]) for s in self.segments if id(s) in groups]

    def _damage_guard(self, segment: Segment, error: Exception) -> IndexCorrupt:
        return self._damaged(f"{segment.info.name} cannot be read ({error})")

    # Documents -------------------------------------------------------------------------

    def _live_documents(self, columns: str, records: bool = False) -> Iterator[tuple]:
        """`columns` (the rowid first) of every document no later segment replaced, in one
        read per segment: plain tuples, or sqlite3.Row for `records`."""
        for segment in self.segments:
            cursor = segment.db.cursor()
            if not records:
                cursor.row_factory = None  # a Row per document costs more than reading it
            rows = cursor.execute(f"SELECT {columns} FROM documents")
            if not len(segment.deleted):
                yield from rows
                continue
            gone = set(segment.deleted.tolist())
            yield from (row for row in rows if row[0] not in gone)

    def documents(self) -> list[DocumentRecord]:
        """All live documents by path; read once, since a generation never changes."""
        if self._documents is None:
            self._documents = sorted(map(DocumentRecord.from_row,
                                         self._live_documents("*", records=True)),
                                     key=lambda d: d.path)
        return list(self._documents)

    def documents_of(self, rowids: Iterable[int]) -> dict[int, DocumentRecord]:
        """The documents of these rowids, by rowid: a question's results need a handful,
        not every document of a large collection."""
        found: dict[int, DocumentRecord] = {}
        for segment, ids in self._by_segment("documents", set(rowids)):
            marks = ",".join("?" * len(ids))
            rows = segment.db.execute(f"SELECT * FROM documents WHERE rowid IN ({marks})", ids)
            found.update({row["rowid"]: DocumentRecord.from_row(row) for row in rows})
        return found

    def document_states(self) -> DocumentStates:
        """Path -> state of every live document, for a refresh (see DocumentStates)."""
        stamps: dict[str, str] = {}
        for segment in self.segments:
            cursor = segment.db.cursor()
            cursor.row_factory = None
            # Pairs straight into a dict, in C: a Python step per document would cost more
            # than the refresh of an unchanged collection is allowed.
            stamps.update(cursor.execute(
                f"SELECT path, size || ' ' || mtime_ns FROM documents WHERE {_LIVE}",
                (_gone(segment),)))
        return DocumentStates(self, stamps)

    def document_state(self, path: str) -> DocumentState | None:
        row = self._live_row_by_path(path, _STATE)
        return None if row is None else DocumentState._make(tuple(row))

    def _all_document_states(self) -> dict[str, DocumentState]:
        make = DocumentState._make
        return {row[-1]: make(row[:-1]) for row in self._live_documents(f"{_STATE}, path")}

    def document(self, rowid: int) -> DocumentRecord:
        segment = self._segment("documents", rowid)
        row = segment.db.execute("SELECT * FROM documents WHERE rowid = ?",
                                 (rowid,)).fetchone() if segment else None
        if row is None:
            raise KeyError(rowid)
        return DocumentRecord.from_row(row)

    def roots(self) -> list[str]:
        """The folders the indexed documents came from (one query per segment)."""
        roots: set[str] = set()
        for segment in self.segments:
            roots |= {r[0] for r in segment.db.execute(
                f"SELECT DISTINCT root FROM documents WHERE root IS NOT NULL AND {_LIVE}",
                (_gone(segment),))}
        return sorted(roots)

    def document_by_path(self, path: str) -> DocumentRecord | None:
        row = self._live_row_by_path(path, "*")
        return None if row is None else DocumentRecord.from_row(row)

    def _live_row_by_path(self, path: str, columns: str) -> sqlite3.Row | None:
        """`columns` (the rowid first) of the live document at `path`, or None."""
        for segment in reversed(self.segments):  # a replaced document's newest version
            for row in segment.db.execute(f"SELECT {columns} FROM documents WHERE path = ?",
                                          (path,)):
                if not segment.is_deleted(row[0]):
                    return row
        return None

    def allowed_documents(self, filters: Filters | None) -> list[int] | None:
        """Rowids of the live documents that pass `filters`; None when nothing filters.
        Remembered per filter, since a generation never changes."""
        if filters is None or not filters.active:
            return None
        if filters not in self._allowed:
            if len(self._allowed) > 64:
                self._allowed.clear()
            self._allowed[filters] = self._columns().select(filters)
        return self._allowed[filters]

    def _columns(self) -> DocumentColumns:
        # The four columns filters read, not whole records, read once: a generation never
        # changes, and each new filter is then evaluated column-wise.
        if self._document_columns is None:
            self._document_columns = DocumentColumns(
                self._live_documents("rowid, path, root, date, author"))
        return self._document_columns

    @property
    def mentions(self) -> MentionIndex:
        """Authors and years of the documents, for reading them in questions."""
        if self._mentions is None:
            # The distinct authors and years, then a group's documents only when a question
            # names it: a hybrid `ask` on a million passages would otherwise read 125,000.
            self._mentions = MentionIndex(_LiveGroups(self.segments, "author"),
                                          _LiveGroups(self.segments, "substr(date, 1, 4)"))
        return self._mentions

    def is_common_word(self, word: str, share: float = 0.2) -> bool:
        """Whether more than `share` of the passages contain the word (FTS5, stemmed)."""
        if word not in self._word_counts:
            query = 'text : "' + word.replace('"', '""') + '"'
            self._word_counts[word] = sum(
                int(s.db.execute("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?",
                                 (query,)).fetchone()[0]) for s in self.segments)
        total = self.manifest.counts.get("passages", 0) or 1
        return self._word_counts[word] > share * total

    # Passages --------------------------------------------------------------------------

    def passages(self, rowids: Sequence[int]) -> dict[int, PassageRecord]:
        found: dict[int, PassageRecord] = {}
        for segment, ids in self._by_segment("passages", rowids):
            marks = ",".join("?" * len(ids))
            rows = segment.db.execute(f"SELECT * FROM passages WHERE rowid IN ({marks})", ids)
            found.update({row["rowid"]: PassageRecord.from_row(row) for row in rows})
        return found

    def passage_by_id(self, passage_id: str) -> PassageRecord | None:
        for segment in reversed(self.segments):
            row = segment.db.execute("SELECT * FROM passages WHERE id = ?",
                                     (passage_id,)).fetchone()
            if row is not None and not segment.is_deleted(row["doc_rowid"]):
                return PassageRecord.from_row(row)
        return None

    def passages_of(self, doc_rowid: int, first: int = 0,
                    last: int | None = None) -> list[PassageRecord]:
        """Passages of a document in order, optionally only ordinals first..last."""
        segment = self._segment("documents", doc_rowid)
        if segment is None:
            return []
        rows = segment.db.execute(
            "SELECT * FROM passages WHERE doc_rowid = ? AND ordinal >= ? AND ordinal <= ?"
            " ORDER BY ordinal", (doc_rowid, first, last if last is not None else 2**62))
        return [PassageRecord.from_row(row) for row in rows]

    def passage_positions(self, rowids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """(doc rowid, ordinal) of each passage rowid."""
        found: dict[int, tuple[int, int]] = {}
        for segment, ids in self._by_segment("passages", rowids):
            marks = ",".join("?" * len(ids))
            rows = segment.db.execute(
                f"SELECT rowid, doc_rowid, ordinal FROM passages WHERE rowid IN ({marks})", ids)
            found.update({r[0]: (r[1], r[2]) for r in rows})
        return found

    def passage_rowids_of(self, doc_rowids: Iterable[int]) -> np.ndarray:
        """Passage rowids of documents, from their id ranges."""
        wanted = np.asarray(sorted(set(doc_rowids)), dtype=np.int64)
        pieces = [np.zeros(0, dtype=np.int64)]
        for segment in self.segments:
            chosen = segment.ranges_of(wanted)
            pieces += [np.arange(a, a + n, dtype=np.int64) for a, n in chosen[:, 1:3]]
        return np.concatenate(pieces)

    # Units and vectors -------------------------------------------------------------------

    def windows_of(self, passage_rowid: int) -> tuple[list[int], list[tuple[int, int]]]:
        """Global ids and char spans of a passage's embedded units, in order."""
        segment = self._segment("passages", passage_rowid)
        if segment is None:
            return [], []
        rows = segment.db.execute("SELECT id, char_start, char_end FROM windows"
                                  " WHERE passage_rowid = ? ORDER BY id",
                                  (passage_rowid,)).fetchall()
        return [r[0] for r in rows], [(r[1], r[2]) for r in rows]

    def vectors(self, unit_ids: Sequence[int]) -> np.ndarray:
        """Exact float32 vectors of units by global id, in order."""
        ids = np.asarray(unit_ids, dtype=np.int64)
        out = np.zeros((len(ids), self.manifest.dimension), dtype=np.float32)
        for segment in self.segments:
            inside = (ids >= segment.first_unit) & (ids < segment.info.end("windows"))
            if inside.any():
                out[inside] = self._dense(segment).vectors(ids[inside] - segment.first_unit)
        return out

    def unit_passages(self, unit_ids: Sequence[int]) -> np.ndarray:
        """The passage rowid of each unit (global ids)."""
        ids = np.asarray(unit_ids, dtype=np.int64)
        out = np.full(len(ids), -1, dtype=np.int64)
        for segment in self.segments:
            inside = (ids >= segment.first_unit) & (ids < segment.info.end("windows"))
            if inside.any():
                out[inside] = segment.unit_passages[ids[inside] - segment.first_unit]
        return out

    def search_units(self, query: np.ndarray, n: int, doc_rowids: Sequence[int] | None = None,
                     exact: bool = False, nprobe: int | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
        """The `n` units nearest `query` (global ids, cosines, best first) among the live
        units of `doc_rowids` (all live units when None). `exact` scans every vector
        (approximate segments otherwise search their IVF lists, then re-score exactly)."""
        all_ids, all_scores = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.float32)]
        for segment, mask in zip(self.segments, self._unit_masks(doc_rowids), strict=True):
            if mask is not None and not mask.any():
                continue
            ids, scores = self._dense(segment).search(query, n, mask, exact=exact, nprobe=nprobe)
            all_ids.append(ids + segment.first_unit)
            all_scores.append(np.asarray(scores, dtype=np.float32))
        ids, scores = np.concatenate(all_ids), np.concatenate(all_scores)
        order = np.argsort(-scores, kind="stable")[:n]
        return ids[order], scores[order]

    def _unit_masks(self, doc_rowids: Sequence[int] | None) -> list[np.ndarray | None]:
        """Each segment's mask of the live units of `doc_rowids`. The lists of allowed
        documents are cached per filter (`allowed_documents`), so the masks of the last few
        are kept with them: a mask over millions of units costs milliseconds to build."""
        if doc_rowids is None:
            return [segment.live_units() for segment in self.segments]
        for kept, masks in self._masks:
            if kept is doc_rowids:
                return masks
        allowed = np.asarray(doc_rowids, dtype=np.int64)
        masks = [segment.unit_mask(allowed) for segment in self.segments]
        self._masks = [(doc_rowids, masks), *self._masks[:3]]
        return masks

    def passage_masks(self, doc_rowids: Sequence[int] | None) -> list[np.ndarray | None]:
        """Each segment's mask of the live passages of `doc_rowids`, kept as `_unit_masks`
        keeps its own."""
        if doc_rowids is None:
            return [segment.live_passages() for segment in self.segments]
        for kept, masks in self._passage_masks:
            if kept is doc_rowids:
                return masks
        allowed = np.asarray(doc_rowids, dtype=np.int64)
        masks = [segment.passage_mask(allowed) for segment in self.segments]
        self._passage_masks = [(doc_rowids, masks), *self._passage_masks[:3]]
        return masks

    def sample_vectors(self, limit: int) -> np.ndarray:
        """Up to `limit` stored vectors, evenly spread over all units (live or not: for
        statistics such as the corpus mean)."""
        total = sum(s.info.counts.get("windows", 0) for s in self.segments)
        if total == 0:
            return np.zeros((0, self.manifest.dimension), dtype=np.float32)
        ids = np.unique(np.linspace(0, total - 1, min(total, limit)).astype(np.int64))
        out, offset = [], 0
        for segment in self.segments:
            count = segment.info.counts.get("windows", 0)
            mine = ids[(ids >= offset) & (ids < offset + count)] - offset
            if len(mine):
                out.append(self._dense(segment).vectors(mine))
            offset += count
        return np.concatenate(out)

    def _dense(self, segment: Segment):  # noqa: ANN202
        try:
            return segment.dense
        except (OSError, ValueError, RuntimeError) as error:
            raise self._damaged(f"unreadable vectors in {segment.info.name} "
                                f"({' '.join(str(error).split())[:80]})") from error

def _query_current(index_dir: Path, sql: str) -> list[tuple] | None:
    """Rows of the current generation's database, read without checking the index's format
    (an index written by another version can still be rebuilt from them); None when the
    index is missing or too damaged to read."""
    try:
        generation = layout.current_generation(index_dir)
        rows: list[tuple] = []
        for path in sorted(generation.glob(f"*/{DB_NAME}")):
            db = sqlite3.connect(read_only_uri(path), uri=True)
            try:
                rows += db.execute(sql).fetchall()
            finally:
                db.close()
        return rows
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
