"""Errors raised by the index store."""

from __future__ import annotations

from pathlib import Path


class IndexError_(Exception):
    """Base class for index problems; messages name the index folder."""


class IndexNotFound(IndexError_):
    def __init__(self, path: Path) -> None:
        super().__init__(f"no index at {path}")
        self.path = path


class IndexCorrupt(IndexError_):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"index at {path} is damaged: {reason}")
        self.path = path
        self.reason = reason


class NotAnIndex(IndexError_):
    """A folder that holds other things: never written into, never cleaned."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path} is not a Parallax index: {reason}")
        self.path = path


class IndexBusy(IndexError_):
    def __init__(self, path: Path) -> None:
        super().__init__(f"another process is writing the index at {path}")
        self.path = path


class IndexOutdated(IndexError_):
    def __init__(self, path: Path, found: int, expected: int) -> None:
        super().__init__(f"the index at {path} was written by another version of Parallax "
                         f"(format {found}; this version reads format {expected})")
        self.path = path
