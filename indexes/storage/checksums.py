"""Checksums of a generation's files: recorded when it is published, verified when a
process first opens it, so that damage is reported instead of served.

xxh3-128 hashes several GB a second, so verifying even a large generation costs little
next to reading it; files are hashed in blocks and never read whole into memory.
"""

from __future__ import annotations

from pathlib import Path

import xxhash

_BLOCK = 8 << 20


def digest(data: bytes) -> str:
    return xxhash.xxh3_128(data).hexdigest()


def file_checksum(path: Path) -> dict[str, int | str]:
    """Size and xxh3-128 of a file."""
    hasher = xxhash.xxh3_128()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            hasher.update(block)
            size += len(block)
    return {"size": size, "xxh3": hasher.hexdigest()}


def mismatch(folder: Path, name: str, expected: dict[str, int | str]) -> str | None:
    """Why `folder/name` does not match its recorded checksum, or None when it does."""
    path = folder / name
    try:
        size = path.stat().st_size
        if size != expected.get("size"):
            return f"{name} has {size} bytes, {expected.get('size')} were written"
        if file_checksum(path)["xxh3"] != expected.get("xxh3"):
            return f"{name} does not match its checksum"
    except FileNotFoundError:
        return f"{name} is missing"
    except OSError as error:
        return f"{name} cannot be read ({error.strerror})"
    return None


# Verified files, remembered across processes. Hashing every file when each process first
# opens a generation would cost seconds per `ask` on an index of millions of passages; a
# file whose inode, size, modification and change times are those it had when it was last
# hashed (by the writer that made it, or by an earlier reader) has not been written since:
# any write, truncation or replacement changes its ctime, which no user can set back. Damage
# below the file system (bit rot) is for `parallax check`, which always hashes everything.

def _memory_dir() -> Path | None:
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("parallax", appauthor=False)) / "verified"
    except Exception:  # noqa: BLE001 - no cache is no error
        return None


def _identity(path: Path, checksum: dict[str, int | str]) -> str:
    info = path.stat()
    return (f"{info.st_dev} {info.st_ino} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns}"
            f" {checksum.get('xxh3')}")


def _entry(path: Path) -> Path | None:
    folder = _memory_dir()
    return folder / digest(str(path.absolute()).encode("utf-8", "surrogateescape")) if folder \
        else None


def remember_verified(path: Path, checksum: dict[str, int | str]) -> None:
    """Record that `path` matched `checksum` just now (best effort: never raises)."""
    entry = _entry(path)
    if entry is None:
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary = entry.with_suffix(".tmp")
        temporary.write_text(_identity(path, checksum), encoding="utf-8")
        temporary.replace(entry)
    except OSError:
        pass


def verified_before(path: Path, checksum: dict[str, int | str]) -> bool:
    """Whether `path` matched `checksum` when last hashed and has not been written since."""
    entry = _entry(path)
    if entry is None:
        return False
    try:
        return entry.read_text(encoding="utf-8") == _identity(path, checksum)
    except OSError:
        return False
