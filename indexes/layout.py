"""Where an index's files live, and the atomic switch between generations.

An index folder holds complete generations (`parallax-gen-*/`: SQLite + FAISS + manifest)
and a `CURRENT` file naming the one in use. A writer builds a new generation under a
temporary name, renames it when complete, and only then replaces `CURRENT` with `os.replace`,
which is atomic. A process killed at any moment therefore leaves `CURRENT` naming a complete
generation. The generation that was current before stays until the next write, so that a
reader that opened it just before the switch can finish; older ones and leftovers of killed
writers are removed. Only names this module creates are ever removed, and a writer refuses a
non-empty folder that is not an index, so pointing --index at the wrong folder loses nothing.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexes.errors import IndexBusy, IndexCorrupt, IndexNotFound, NotAnIndex

CURRENT = "CURRENT"
LOCK = "LOCK"
DB_NAME = "index.sqlite"
FAISS_NAME = "dense.faiss"
WINDOWS_NAME = "window_passages.npy"
_GEN_PREFIX = "parallax-gen-"
_TMP_PREFIX = ".parallax-tmp-"


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


def check_writable(index_dir: Path) -> None:
    """Refuse a folder that holds something other than a Parallax index."""
    if not index_dir.exists() or exists(index_dir):
        return
    if not index_dir.is_dir():
        raise NotAnIndex(index_dir, "it is a file")
    foreign = sorted(p.name for p in index_dir.iterdir()
                     if p.name != LOCK and not p.name.startswith((_GEN_PREFIX, _TMP_PREFIX)))
    if foreign:
        raise NotAnIndex(index_dir, f"the folder holds other files ({', '.join(foreign[:3])}"
                         f"{', …' if len(foreign) > 3 else ''}); choose a new or empty folder")


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time, held from reading the old generation to publishing the new."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(index_dir) from None
        yield
    finally:
        os.close(fd)


def new_temporary_generation(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / f"{_TMP_PREFIX}{uuid.uuid4().hex[:8]}"
    path.mkdir()
    return path


def publish(index_dir: Path, temporary: Path, also_keep: frozenset[str] = frozenset()) -> Path:
    """Make a complete temporary generation the current one, atomically. The one it replaces
    and `also_keep` (e.g. the generation current when a multi-part run began) stay."""
    _fsync_tree(temporary)
    final = index_dir / f"{_GEN_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    previous = current_name(index_dir)
    os.rename(temporary, final)
    pointer_tmp = index_dir / f"{_TMP_PREFIX}{CURRENT}-{uuid.uuid4().hex[:6]}"
    pointer_tmp.write_text(final.name + "\n", encoding="utf-8")
    _fsync_file(pointer_tmp)
    os.replace(pointer_tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)
    remove_stale(index_dir, keep={final.name, previous, *also_keep})
    return final


def current_name(index_dir: Path) -> str:
    """The name of the current generation, or "" when there is none."""
    return _current_name(index_dir)


def _current_name(index_dir: Path) -> str:
    try:
        return (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Delete generations and temporary files of ours other than `keep`."""
    for entry in index_dir.iterdir():
        if entry.name in keep:
            continue
        if entry.name.startswith((_GEN_PREFIX, _TMP_PREFIX)):
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
