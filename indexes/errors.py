"""Errors raised by the index store: `ParallaxError`s whose hints name the command that
recovers the same index (its folder, its source folders and its model, shell-quoted)."""

from __future__ import annotations

from pathlib import Path

from corpus.errors import Kind, ParallaxError


class IndexError_(ParallaxError):
    """Base class for index problems; messages name the index folder."""


class IndexNotFound(IndexError_):
    kind = Kind.not_found

    def __init__(self, path: Path, hint: str | None = None) -> None:
        super().__init__(f"no index at {path}", hint)
        self.path = path


class IndexCorrupt(IndexError_):
    """A damaged index: what is damaged, and (in the hint) the rebuild that recovers it."""

    kind = Kind.damaged

    def __init__(self, path: Path, reason: str, hint: str | None = None) -> None:
        super().__init__(f"index at {path} is damaged: {reason}", hint)
        self.path = path
        self.reason = reason


class NotAnIndex(IndexError_):
    """A folder that holds other things: never written into, never cleaned."""

    kind = Kind.conflict

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path} is not a Parallax index: {reason}",
                         "Choose a new or empty folder with --index.")
        self.path = path


class IndexBusy(IndexError_):
    kind = Kind.conflict

    def __init__(self, path: Path) -> None:
        super().__init__(f"another process is writing the index at {path}",
                         "Wait for the other `parallax index` to finish, then run this again.")
        self.path = path


class IndexReadOnly(IndexError_):
    kind = Kind.io

    def __init__(self, path: Path, detail: str = "") -> None:
        super().__init__(f"the index folder {path} is read-only{detail}",
                         "Queries still work; to update it, index into a folder you can "
                         "write to with --index, or make this one writable.")
        self.path = path


class IndexUnreadable(IndexError_):
    """The system refuses to let this user read the index: not damage, and a rebuild by the
    same user would fail the same way."""

    kind = Kind.io

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"cannot read the index at {path}: {detail}",
                         f"Check the permissions of the folder (ls -la {path}); the index "
                         "must be readable by the user who runs Parallax.")
        self.path = path


class IndexOutdated(IndexError_):
    kind = Kind.conflict

    def __init__(self, path: Path, found: int, expected: int, hint: str | None = None) -> None:
        super().__init__(f"the index at {path} was written by another version of Parallax "
                         f"(format {found}; this version reads format {expected})", hint)
        self.path = path
