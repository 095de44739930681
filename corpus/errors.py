"""Errors raised by the corpus layer."""

from __future__ import annotations

from pathlib import Path


class UnreadableDocument(Exception):
    """A file that cannot yield text: missing, binary, undecodable, empty, or corrupt."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class MetadataError(Exception):
    """A metadata.csv that cannot be used at all: unreadable, or without a `file` column."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
