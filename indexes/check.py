"""Deep verification of an index: everything a reader trusts, checked end to end.

Opening an index verifies checksums only; `check_index` also asks SQLite for its own
integrity check, reads every vector (finite, of unit norm), and checks that the window map,
the FAISS index and the database agree. It reports every problem it finds instead of
stopping at the first, so that a user sees the whole damage before recovering.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from indexes import layout
from indexes.checksums import mismatch
from indexes.errors import IndexError_, IndexNotFound, IndexUnreadable
from indexes.manifest import FORMAT_VERSION, MANIFEST_NAME, Manifest
from indexes.reader import read_only_uri
from indexes.recovery import read_sources, rebuild_command

_VECTOR_BLOCK = 65536
_NORM_TOLERANCE = 1e-3


@dataclass
class CheckReport:
    index_dir: Path
    generation: str | None = None
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # what was verified and found sound
    counts: dict[str, int] = field(default_factory=dict)
    recovery: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def check_index(index_dir: Path) -> CheckReport:
    """Verify every part of the index at `index_dir`; never raises for damage."""
    report = CheckReport(index_dir, recovery=rebuild_command(index_dir))
    lock = index_dir / layout.LOCK
    if lock.exists() and not lock.is_file():
        report.problems.append(f"{layout.LOCK} is not a file: no writer can update the index")
    sources = index_dir / layout.SOURCES
    if (sources.exists() or sources.is_symlink()) and read_sources(index_dir) is None:
        report.problems.append(f"{layout.SOURCES} is unreadable: the recovery command cannot "
                               "name the folders (give them)")
    try:
        name, pointer_hash = layout.read_pointer(index_dir)
    except (IndexNotFound, IndexUnreadable):
        raise  # not damage: no index, or not this user's to read
    except IndexError_ as error:
        report.problems.append(error.message)
        return report
    report.generation = name
    generation = index_dir / name
    try:
        held = layout.hold(generation)  # a publish meanwhile must not remove what we check
    except OSError as error:
        report.problems.append(f"{name} cannot be opened ({error.strerror})")
        return report
    try:
        _check_generation(generation, pointer_hash, report)
    finally:
        layout.release(held)
    return report


def _check_generation(generation: Path, pointer_hash: str, report: CheckReport) -> None:
    manifest = _manifest(generation, pointer_hash, report)
    if manifest is None:
        return
    report.counts = dict(manifest.counts)
    sound = _checksums(generation, manifest, report)
    if layout.DB_NAME in sound:
        _database(generation / layout.DB_NAME, manifest, report)
    if {layout.WINDOWS_NAME, layout.FAISS_NAME, layout.DB_NAME} <= sound:
        _vectors(generation, manifest, report)


def _manifest(generation: Path, pointer_hash: str, report: CheckReport) -> Manifest | None:
    try:
        manifest = Manifest.read_verified(generation, pointer_hash)
    except (OSError, ValueError) as error:
        report.problems.append(str(error) if isinstance(error, ValueError)
                               else f"{generation.name}/{MANIFEST_NAME} cannot be read "
                                    f"({error.strerror})")
        return None
    if manifest.format_version != FORMAT_VERSION:
        report.problems.append(f"written in format {manifest.format_version}; this version "
                               f"reads format {FORMAT_VERSION}")
        return None
    report.checked.append(f"{MANIFEST_NAME}: checksum")
    return manifest


def _checksums(generation: Path, manifest: Manifest, report: CheckReport) -> set[str]:
    sound = set()
    for name in layout.DATA_FILES:
        expected = manifest.files.get(name)
        problem = (f"{MANIFEST_NAME} records no checksum for {name}" if expected is None
                   else mismatch(generation, name, expected))
        if problem:
            report.problems.append(f"{generation.name}/{problem}")
        else:
            sound.add(name)
            report.checked.append(f"{name}: checksum")
    return sound


def _database(path: Path, manifest: Manifest, report: CheckReport) -> None:
    try:
        db = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            result = [r[0] for r in db.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                report.problems.append(f"{path.name}: SQLite integrity check: "
                                       + "; ".join(result[:3]))
                return
            counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                      for table in ("documents", "passages", "windows")}
            orphans = db.execute("SELECT count(*) FROM passages p LEFT JOIN documents d"
                                 " ON d.rowid = p.doc_rowid WHERE d.rowid IS NULL").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error as error:
        report.problems.append(f"{path.name}: {error}")
        return
    for table, count in counts.items():
        if manifest.counts.get(table) not in (None, count):
            report.problems.append(f"{path.name} holds {count} {table}, the manifest says "
                                   f"{manifest.counts[table]}")
    if orphans:
        report.problems.append(f"{path.name}: {orphans} passages belong to no document")
    report.checked.append(f"{path.name}: SQLite integrity check, counts")


def _vectors(generation: Path, manifest: Manifest, report: CheckReport) -> None:
    try:
        window_passages = np.load(generation / layout.WINDOWS_NAME, mmap_mode="r")
        index = faiss.read_index(str(generation / layout.FAISS_NAME), faiss.IO_FLAG_MMAP)
    except (OSError, ValueError, RuntimeError) as error:
        report.problems.append(f"vectors cannot be read ({' '.join(str(error).split())[:120]})")
        return
    if index.ntotal != len(window_passages):
        report.problems.append(f"{layout.FAISS_NAME} holds {index.ntotal} vectors for "
                               f"{len(window_passages)} windows")
        return
    if index.d != manifest.dimension:
        report.problems.append(f"{layout.FAISS_NAME} holds {index.d}-dimensional vectors, "
                               f"the manifest says {manifest.dimension}")
        return
    bad = 0
    for start in range(0, index.ntotal, _VECTOR_BLOCK):
        block = index.reconstruct_n(start, min(_VECTOR_BLOCK, index.ntotal - start))
        norms = np.linalg.norm(block, axis=1)
        bad += int((~np.isfinite(block).all(axis=1) | (np.abs(norms - 1) > _NORM_TOLERANCE)).sum())
    if bad:
        report.problems.append(f"{layout.FAISS_NAME}: {bad} vectors are not finite unit vectors")
    _window_map(generation / layout.DB_NAME, np.asarray(window_passages), report)
    if not bad:
        report.checked.append(f"{layout.FAISS_NAME}: {index.ntotal} finite unit vectors")


def _window_map(db_path: Path, window_passages: np.ndarray, report: CheckReport) -> None:
    db = sqlite3.connect(read_only_uri(db_path), uri=True)
    try:
        expected = np.fromiter((r[0] for r in db.execute(
            "SELECT passage_rowid FROM windows ORDER BY id")), dtype=np.int64)
    finally:
        db.close()
    if len(expected) != len(window_passages) or not np.array_equal(expected, window_passages):
        differ = (int((expected != window_passages).sum())
                  if len(expected) == len(window_passages) else "all")
        report.problems.append(f"{layout.WINDOWS_NAME} disagrees with the database "
                               f"({differ} of {len(expected)} windows)")
    else:
        report.checked.append(f"{layout.WINDOWS_NAME}: consistent with the database")
