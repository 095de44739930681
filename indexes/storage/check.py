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

import numpy as np

from indexes.errors import IndexError_, IndexNotFound, IndexUnreadable
from indexes.segments import DB_NAME, KINDS, UNITS_NAME, Segment, SegmentInfo, read_only_uri
from indexes.storage import layout
from indexes.storage.checksums import mismatch
from indexes.storage.manifest import FORMAT_VERSION, MANIFEST_NAME, Manifest
from indexes.storage.recovery import read_sources, rebuild_command

_VECTOR_BLOCK = 65536
_NORM_TOLERANCE = 1e-3
# sq8 vectors' norms move with the quantisation: about 0.002 at most at 384 dimensions,
# 0.006 at 16 (indexes/vectors/quantised.py). Damage to their codes cannot leave the
# range, so the checksums, not the norms, are what find it.
_QUANTISED_NORM_TOLERANCE = 2e-2


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
    try:
        infos = [SegmentInfo.from_dict(entry) for entry in manifest.segments]
    except ValueError as error:
        report.problems.append(f"{MANIFEST_NAME}: {error}")
        return
    for info in infos:
        db = f"{info.name}/{DB_NAME}"
        if db in sound:
            _database(generation / db, info, report)
        if set(info.files) <= sound:
            _vectors(generation, info, manifest.dimension, report)
    live = {kind: sum(i.counts.get(kind, 0) for i in infos) for kind in KINDS}
    if any(manifest.counts.get(k, 0) > live[k] for k in KINDS):
        report.problems.append("the manifest counts more rows than its segments hold")


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
    try:
        names = manifest.data_files()
    except ValueError as error:
        report.problems.append(f"{MANIFEST_NAME}: {error}")
        return sound
    for name in names:
        expected = manifest.files.get(name)
        problem = (f"{MANIFEST_NAME} records no checksum for {name}" if expected is None
                   else mismatch(generation, name, expected))
        if problem:
            report.problems.append(f"{generation.name}/{problem}")
        else:
            sound.add(name)
    report.checked.append(f"checksums of {len(sound)} of {len(names)} files")
    return sound


def _database(path: Path, info: SegmentInfo, report: CheckReport) -> None:
    where = f"{info.name}/{path.name}"
    try:
        db = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            result = [r[0] for r in db.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                report.problems.append(f"{where}: SQLite integrity check: "
                                       + "; ".join(result[:3]))
                return
            counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                      for table in KINDS}
            orphans = db.execute("SELECT count(*) FROM passages p LEFT JOIN documents d"
                                 " ON d.rowid = p.doc_rowid WHERE d.rowid IS NULL").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error as error:
        report.problems.append(f"{where}: {error}")
        return
    for table, count in counts.items():
        if info.counts.get(table) not in (None, count):
            report.problems.append(f"{where} holds {count} {table}, the manifest says "
                                   f"{info.counts[table]}")
    if orphans:
        report.problems.append(f"{where}: {orphans} passages belong to no document")
    report.checked.append(f"{where}: SQLite integrity check, counts")


def _vectors(generation: Path, info: SegmentInfo, dimension: int, report: CheckReport) -> None:
    folder = generation / info.name
    try:
        units = np.load(folder / UNITS_NAME, mmap_mode="r")
        store = Segment(generation, info, np.zeros(0, dtype=np.int64))
        try:
            dense = store.dense
        finally:
            store.db.close()
    except (OSError, ValueError, RuntimeError, sqlite3.Error) as error:
        report.problems.append(f"{info.name}: vectors cannot be read "
                               f"({' '.join(str(error).split())[:120]})")
        return
    if dense.count != len(units):
        report.problems.append(f"{info.name}: {dense.count} vectors for {len(units)} units")
        return
    if getattr(dense, "dimension", dimension) != dimension:
        report.problems.append(f"{info.name} holds {dense.dimension}-dimensional vectors, "  # type: ignore[attr-defined]
                               f"the manifest says {dimension}")
        return
    bad = 0
    tolerance = _QUANTISED_NORM_TOLERANCE if dense.sq8_table() is not None else _NORM_TOLERANCE
    for start in range(0, dense.count, _VECTOR_BLOCK):
        ids = np.arange(start, min(dense.count, start + _VECTOR_BLOCK), dtype=np.int64)
        block = dense.vectors(ids)
        norms = np.linalg.norm(block, axis=1)
        bad += int((~np.isfinite(block).all(axis=1) | (np.abs(norms - 1) > tolerance)).sum())
    if bad:
        report.problems.append(f"{info.name}: {bad} vectors are not finite unit vectors")
    _window_map(folder / DB_NAME, np.asarray(units), info, report)
    if not bad:
        report.checked.append(f"{info.name}: {dense.count} finite unit vectors ({info.backend})")


def _window_map(db_path: Path, units: np.ndarray, info: SegmentInfo,
                report: CheckReport) -> None:
    db = sqlite3.connect(read_only_uri(db_path), uri=True)
    try:
        expected = np.fromiter((r[0] for r in db.execute(
            "SELECT passage_rowid FROM windows ORDER BY id")), dtype=np.int64)
    finally:
        db.close()
    if len(expected) != len(units) or not np.array_equal(expected, units):
        differ = (int((expected != units).sum()) if len(expected) == len(units) else "all")
        report.problems.append(f"{info.name}/{UNITS_NAME} disagrees with the database "
                               f"({differ} of {len(expected)} units)")
    else:
        report.checked.append(f"{info.name}/{UNITS_NAME}: consistent with the database")
