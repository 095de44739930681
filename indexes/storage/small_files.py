"""The index folder's own small files (`CURRENT`, `LOCK`, `SOURCES.json`, manifests) and the
one careful way to read them. Kept apart from layout.py so that recovery.py can read
`SOURCES.json` without importing layout, which imports recovery for its rebuild hints.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

CURRENT = "CURRENT"
LOCK = "LOCK"
SOURCES = "SOURCES.json"
# The folder where a run saves a document it has embedded in part (the application's
# parallax.indexing.partial): not a generation, but the folder's own, kept by the sweeps.
PARTIAL = "PARTIAL"

_SMALL_LIMIT = 1 << 20  # CURRENT, SOURCES.json and manifests are far smaller


def read_small(path: Path, limit: int = _SMALL_LIMIT) -> bytes:
    """The bytes of one of the index's own small files. Only a regular file is read (a FIFO
    put in its place would block for ever), and at most `limit` bytes. OSError otherwise:
    IsADirectoryError for a folder, FileNotFoundError when missing."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
        chunks = []
        while chunk := os.read(fd, limit + 1):
            chunks.append(chunk)
        return b"".join(chunks)[:limit + 1]
    finally:
        os.close(fd)
