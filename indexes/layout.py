"""Where an index's files live, and the atomic switch between generations.

An index folder holds complete generations (`gen-*/`: SQLite + FAISS + manifest) and a
`CURRENT` file naming the one in use. A writer builds a new generation under a temporary
name, renames it when complete, and only then replaces `CURRENT` with `os.replace`, which is
atomic. A process killed at any moment therefore leaves `CURRENT` naming a complete
generation; leftovers are removed by the next successful write.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from indexes.errors import IndexCorrupt, IndexNotFound

CURRENT = "CURRENT"
DB_NAME = "index.sqlite"
FAISS_NAME = "dense.faiss"
_TMP_PREFIX = ".tmp-"


def current_generation(index_dir: Path) -> Path:
    """The folder of the generation in use; IndexNotFound if there is none."""
    pointer = index_dir / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        raise IndexNotFound(index_dir) from None
    generation = index_dir / name
    if not name or not generation.is_dir():
        raise IndexCorrupt(index_dir, f"{CURRENT} names {name!r}, which does not exist")
    return generation


def exists(index_dir: Path) -> bool:
    return (index_dir / CURRENT).is_file()


def new_temporary_generation(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / f"{_TMP_PREFIX}{uuid.uuid4().hex[:8]}"
    path.mkdir()
    return path


def publish(index_dir: Path, temporary: Path) -> Path:
    """Make a complete temporary generation the current one, atomically."""
    _fsync_tree(temporary)
    final = index_dir / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    os.rename(temporary, final)
    pointer_tmp = index_dir / f"{_TMP_PREFIX}{CURRENT}-{uuid.uuid4().hex[:6]}"
    pointer_tmp.write_text(final.name + "\n", encoding="utf-8")
    _fsync_file(pointer_tmp)
    os.replace(pointer_tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)
    remove_stale(index_dir, keep=final.name)
    return final


def remove_stale(index_dir: Path, keep: str) -> None:
    """Delete generations and temporary files other than `keep` (readers holding old files
    open keep reading them: unlinked files live until closed)."""
    for entry in index_dir.iterdir():
        if entry.name in (keep, CURRENT):
            continue
        if entry.name.startswith(("gen-", _TMP_PREFIX)):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    _fsync_file(path)


def _fsync_tree(path: Path) -> None:
    for child in path.iterdir():
        if child.is_file():
            _fsync_file(child)
    _fsync_dir(path)
