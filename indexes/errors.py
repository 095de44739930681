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
