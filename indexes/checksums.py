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
