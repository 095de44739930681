"""One watcher per index, and what it is doing, for other processes to read.

A watcher holds an exclusive lock on `WATCHER` in the index folder for as long as it lives,
and keeps in it a small JSON record: its process id, the folders it watches, how, and
whether a run is in progress. A second watcher of the same index is refused; a manual
`parallax index` that finds the index busy reads the record to say that the watcher is
running (and waits for its run); the server's /api/status reads it too. The lock dies with
the process, so a killed watcher leaves a record that nobody holds: stale, and ignored.

The record is not part of any generation and never read by a query; writers of the index
(which take `LOCK`) do not touch it."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from indexes.errors import IndexBusy

NAME = "WATCHER"
T = TypeVar("T")
# How often a manual `index` looks again whether the watcher's run has ended.
RETRY_SECONDS = 0.5


class WatcherRunning(Exception):
    """Another watcher already keeps this index current; `record` is what it says."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__(f"pid {record.get('pid')}")
        self.record = record


class Presence:
    """This process's claim to be the index's watcher (see the module docstring)."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / NAME
        self._fd: int | None = None
        self.record: dict[str, Any] = {}

    def claim(self, record: dict[str, Any]) -> None:
        """Take the lock and write `record`; WatcherRunning if another watcher holds it."""
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o644)
        for attempt in range(5):  # a reader's shared lock is held for a moment only
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt == 4:
                    os.close(fd)
                    raise WatcherRunning(read_watcher(self.path.parent) or {}) from None
                time.sleep(0.05)
        self._fd = fd
        self.update(**record)

    def update(self, **fields: Any) -> None:
        """Change the record in place (a new file would not carry the lock)."""
        self.record.update(fields)
        if self._fd is None:
            return
        data = json.dumps(self.record, ensure_ascii=False).encode()
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.ftruncate(self._fd, 0)
        os.write(self._fd, data)

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            finally:
                os.close(self._fd)
                self._fd = None


def read_watcher(index_dir: Path) -> dict[str, Any] | None:
    """The record of the watcher keeping `index_dir` current, or None when none runs."""
    try:
        fd = os.open(index_dir / NAME, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return None  # nobody holds it: a watcher that was killed left it
        except BlockingIOError:
            pass
        for _ in range(3):  # the watcher may be rewriting it at this moment
            raw = os.pread(fd, 65536, 0)
            try:
                record = json.loads(raw)
                return record if isinstance(record, dict) else {}
            except ValueError:
                time.sleep(0.02)
        return {}
    finally:
        os.close(fd)


def after_watcher(index_dir: Path, write: Callable[[], T],
                  waiting: Callable[[dict[str, Any]], None]) -> T:
    """Run `write` (a run of `index`); when the index is busy because its watcher is in a
    run, call `waiting` with the watcher's record once, wait for the run to end and try
    again. Busy for another reason (another `index`) is raised as before."""
    said = False
    while True:
        try:
            return write()
        except IndexBusy:
            record = read_watcher(index_dir)
            if record is None:
                raise
            if not said:
                waiting(record)
                said = True
            time.sleep(RETRY_SECONDS)
