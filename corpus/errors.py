"""The one error type of Parallax, and the errors of the corpus layer.

Every problem a user can act on is a `ParallaxError`: a one-line message naming what is
wrong, a hint naming what to run next (the exact command, quoted for a shell), and a kind.
The kind alone decides how an interface reports it; the interfaces' own tables map it (see
parallax/errors.py), so no two of them can disagree. The type lives in the lowest layer
(corpus imports nothing of ours) so that corpus, embed, indexes and parallax raise the same
thing and no interface has to patch a hint in afterwards.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path


class Kind(str, Enum):
    usage = "usage"  # the request itself is wrong: an empty question, a bad option value
    not_found = "not_found"  # no index, no such passage, no such file
    damaged = "damaged"  # an index or file is damaged: recover with the hint
    conflict = "conflict"  # the index is busy, built with other settings, or not an index
    invalid_input = "invalid_input"  # nothing usable in what was given (no documents, …)
    unavailable = "unavailable"  # a model or a resource this machine cannot provide
    io = "io"  # the system refused: a read-only folder, a full disk, a report not written


class ParallaxError(Exception):
    """A problem a user can act on: `message` says what, `hint` what to do next."""

    kind: Kind = Kind.invalid_input

    def __init__(self, message: str, hint: str | None = None, kind: Kind | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if kind is not None:
            self.kind = kind

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class UnreadableDocument(ParallaxError):
    """A file that cannot yield text: missing, binary, undecodable, empty, or corrupt."""

    kind = Kind.invalid_input

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class MetadataError(ParallaxError):
    """A metadata.csv that cannot be used at all: unreadable, or without a `file` column."""

    kind = Kind.invalid_input

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}",
                         "Fix or remove the metadata.csv; its header must be "
                         "file,title,date,author,publisher.")
        self.path = path
        self.reason = reason
