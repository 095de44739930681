"""Where an index's files live, and the atomic switch between generations.

An index folder holds complete generations (`parallax-gen-*/`: segments, each SQLite +
vectors, hard-linked between generations, tombstones and a manifest),
a `CURRENT` file naming the one in use with the checksum of its manifest, a `SOURCES.json`
recovery record (the folders and model the index was built from, kept outside the
generations so that no damage to a database can take the way to rebuild it down with it),
a `LOCK` file for writers, and, after an interrupted run, `PARTIAL/`: the part of a
document it had embedded (parallax.indexing.partial), which the next run resumes from.

A writer builds a new generation under a temporary name, renames it when complete, and only
then replaces `CURRENT` with `os.replace`, which is atomic: a process killed at any moment
leaves `CURRENT` naming a complete generation. Readers hold a shared lock on the generation
they opened for as long as they live, and a writer removes only generations nobody holds,
so a long-lived reader (the server) keeps answering across any number of publishes. Only
names this module creates are ever removed, and a writer refuses a non-empty folder that is
not an index, so pointing --index at the wrong folder loses nothing.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from indexes.errors import (
    IndexBusy,
    IndexCorrupt,
    IndexNotFound,
    IndexReadOnly,
    IndexUnreadable,
    NotAnIndex,
)
from indexes.storage.recovery import rebuild_hint
from indexes.storage.small_files import CURRENT, LOCK, PARTIAL, SOURCES, read_small

# Besides its manifest (which records a checksum of every file) and its segments' folders
# (indexes/segments.py), a generation holds the rowids of its tombstoned documents.
TOMBSTONES_NAME = "deleted.npy"
_GEN_PREFIX = "parallax-gen-"
_TMP_PREFIX = ".parallax-tmp-"
# A generation name as `publish` writes it: no separator, no "..", nothing outside the folder.
_GEN_NAME = re.compile(r"^parallax-gen-[0-9A-Za-z-]{1,64}$")
_HASH = re.compile(r"^[0-9a-f]{32}$")
_OURS = {CURRENT, LOCK, SOURCES, PARTIAL}


def _hint(index_dir: Path) -> str:
    return rebuild_hint(index_dir)


def read_pointer(index_dir: Path) -> tuple[str, str]:
    """The current generation's name and its manifest's checksum, from `CURRENT`.

    IndexNotFound for a folder with no index; IndexCorrupt (naming `CURRENT` and the
    rebuild command) for a pointer that is unreadable, garbled, names a generation that does
    not exist or a path outside the folder, or is missing while generations exist.
    """
    pointer = index_dir / CURRENT
    try:
        raw = read_small(pointer)
    except FileNotFoundError:
        if generations(index_dir):
            raise IndexCorrupt(index_dir, f"{CURRENT} is missing, but the folder holds "
                               "generations", _hint(index_dir)) from None
        raise IndexNotFound(index_dir) from None
    except NotADirectoryError:
        raise IndexNotFound(index_dir) from None
    except IsADirectoryError:
        raise IndexCorrupt(index_dir, f"{CURRENT} is a folder", _hint(index_dir)) from None
    except PermissionError:
        raise IndexUnreadable(index_dir, f"permission denied on {CURRENT}") from None
    except OSError as error:
        raise IndexCorrupt(index_dir, f"{CURRENT} cannot be read ({error.strerror})",
                           _hint(index_dir)) from None
    lines = raw.decode("utf-8", errors="replace").split()
    if not lines or not _GEN_NAME.match(lines[0]):
        shown = raw[:40].decode("utf-8", errors="backslashreplace")
        raise IndexCorrupt(index_dir, f"{CURRENT} does not name a generation ({shown!r})",
                           _hint(index_dir))
    if len(lines) < 2 or not _HASH.match(lines[1]):
        raise IndexCorrupt(index_dir, f"{CURRENT} lacks the checksum of its manifest",
                           _hint(index_dir))
    if len(lines) > 2:
        raise IndexCorrupt(index_dir, f"{CURRENT} is garbled (more than a name and a "
                           "checksum)", _hint(index_dir))
    if not (index_dir / lines[0]).is_dir():
        raise IndexCorrupt(index_dir, f"{CURRENT} names {lines[0]}, which does not exist",
                           _hint(index_dir))
    return lines[0], lines[1]


def current_generation(index_dir: Path) -> Path:
    """The folder of the generation in use (see read_pointer for the errors)."""
    return index_dir / read_pointer(index_dir)[0]


def generations(index_dir: Path) -> list[str]:
    """Names of the complete generations in the folder, whether current or not."""
    try:
        return sorted(p.name for p in index_dir.iterdir()
                      if p.name.startswith(_GEN_PREFIX) and p.is_dir())
    except OSError:
        return []


def exists(index_dir: Path) -> bool:
    """Whether the folder holds an index, damaged or not: a pointer or a generation."""
    return (index_dir / CURRENT).exists() or bool(generations(index_dir))


def check_writable(index_dir: Path) -> None:
    """Refuse a folder that holds something other than a Parallax index."""
    if not index_dir.exists() or exists(index_dir):
        return
    if not index_dir.is_dir():
        raise NotAnIndex(index_dir, "it is a file")
    foreign = sorted(p.name for p in index_dir.iterdir()
                     if p.name not in _OURS and not p.name.startswith((_GEN_PREFIX, _TMP_PREFIX)))
    if foreign:
        raise NotAnIndex(index_dir, f"the folder holds other files ({', '.join(foreign[:3])}"
                         f"{', …' if len(foreign) > 3 else ''}); choose a new or empty folder")


@contextmanager
def write_lock(index_dir: Path, repair: bool = False) -> Iterator[None]:
    """One writer at a time, held from reading the old generation to publishing the new.
    With `repair` (a --rebuild), a `LOCK` that has become a folder is replaced."""
    fd = _open_lock(index_dir, repair)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(index_dir) from None
        _probe_writable(index_dir)
        yield
    finally:
        os.close(fd)


def being_written(index_dir: Path) -> bool:
    """Whether a writer holds the folder's `LOCK` now (a first build before it has published
    anything, say). Creates nothing. The probe takes a shared lock for an instant: a writer
    starting in that instant is told the index is busy, as it would be by another writer."""
    try:
        fd = os.open(index_dir / LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
    return False


def _open_lock(index_dir: Path, repair: bool) -> int:
    path = index_dir / LOCK
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        if repair:
            _replaceable(path)
            _replaceable(index_dir / SOURCES)
        elif (index_dir / SOURCES).is_dir() or (index_dir / SOURCES).is_symlink():
            raise IndexCorrupt(index_dir, f"{SOURCES} is not a file", _hint(index_dir))
        return os.open(path, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o644)
    except IsADirectoryError:
        raise IndexCorrupt(index_dir, f"{LOCK} is a folder, not a file",
                           _hint(index_dir)) from None
    except OSError as error:
        if error.errno == errno.ELOOP:  # O_NOFOLLOW met a symbolic link
            raise IndexCorrupt(index_dir, f"{LOCK} is a symbolic link, not a file",
                               _hint(index_dir)) from None
        raise _write_error(index_dir, error) from None


def _replaceable(path: Path) -> None:
    """Remove one of our own names when damage made it something other than a file (a
    folder, a link), so that a --rebuild can write it again."""
    if path.is_symlink():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _probe_writable(index_dir: Path) -> None:
    # Say now, before a model loads and files are read, that nothing can be written here
    # (a LOCK file that exists opens even in a folder that refuses new files).
    probe = index_dir / f"{_TMP_PREFIX}probe-{uuid.uuid4().hex[:6]}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError as error:
        raise _write_error(index_dir, error) from None


def _write_error(index_dir: Path, error: OSError) -> Exception:
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return IndexReadOnly(index_dir)
    return IndexCorrupt(index_dir, f"cannot write in the folder ({error.strerror})",
                        _hint(index_dir))


def new_temporary_generation(index_dir: Path) -> Path:
    path = index_dir / f"{_TMP_PREFIX}{uuid.uuid4().hex[:8]}"
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        path.mkdir()
    except OSError as error:
        raise _write_error(index_dir, error) from None
    return path


def publish(index_dir: Path, temporary: Path, manifest_hash: str,
            sources: str | None = None) -> Path:
    """Make a complete temporary generation the current one, atomically, and write the
    recovery record `sources` beside it first. The generation it replaces goes at once
    unless a reader holds it (readers hold what they open, and one that read CURRENT just
    before the switch finds its generation gone and reads CURRENT again: see
    IndexReader._open_generation), so the folder holds one generation plus those still in
    use, not two copies of a rewritten index."""
    _fsync_tree(temporary)
    final = index_dir / f"{_GEN_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    # The recovery record first: whenever a generation exists, so does the way to rebuild it.
    if sources is not None:
        _replace_file(index_dir, SOURCES, sources)
    os.rename(temporary, final)
    _replace_file(index_dir, CURRENT, f"{final.name}\n{manifest_hash}\n")
    remove_stale(index_dir, keep={final.name})
    return final


def write_sources(index_dir: Path, text: str) -> None:
    """Replace the recovery record (the writer holds the lock)."""
    _replace_file(index_dir, SOURCES, text)


def _replace_file(index_dir: Path, name: str, text: str) -> None:
    temporary = index_dir / f"{_TMP_PREFIX}{name}-{uuid.uuid4().hex[:6]}"
    temporary.write_text(text, encoding="utf-8")
    _fsync_file(temporary)
    os.replace(temporary, index_dir / name)
    _fsync_dir(index_dir)


def current_name(index_dir: Path) -> str:
    """The name of the current generation, or "" when there is none or the pointer is
    damaged (a damaged pointer protects nothing: its generation is found by `generations`)."""
    try:
        return read_pointer(index_dir)[0]
    except (IndexNotFound, IndexCorrupt):
        return ""


def remove_stale(index_dir: Path, keep: set[str]) -> None:
    """Delete generations and temporary files of ours other than `keep`, except those an
    open reader holds (they go at a later publish, once their reader has closed)."""
    for entry in index_dir.iterdir():
        if entry.name in keep or not entry.name.startswith((_GEN_PREFIX, _TMP_PREFIX)):
            continue
        if entry.is_dir() and not entry.is_symlink():
            _remove_unless_held(entry)
        else:
            entry.unlink(missing_ok=True)


def _remove_unless_held(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return  # a reader still uses it
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        os.close(fd)


def hold(generation: Path) -> int:
    """A shared lock on a generation for as long as the returned descriptor is open: writers
    do not remove a held generation. Released by `release`."""
    fd = os.open(generation, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    _fsync_file(path)


def _fsync_tree(path: Path) -> None:
    # Files linked from an earlier generation have no dirty pages: their fsync is cheap.
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            _fsync_tree(child)
        elif child.is_file():
            _fsync_file(child)
    _fsync_dir(path)
