"""The one error type of Parallax, and the errors of the corpus layer.

Every problem a user can act on is a `ParallaxError`: a one-line message naming what is
wrong, a hint naming what to run next (the exact command, quoted for a shell), and a kind.
The kind alone decides how an interface reports it: `EXIT_CODES` for the command line and
`HTTP_STATUS` for the server, so the two can never disagree. The type lives in the lowest
layer (corpus imports nothing of ours) so that corpus, embed, indexes and parallax raise the
same thing and no interface has to patch a hint in afterwards.
"""

from __future__ import annotations

import shlex
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


# Exit codes: 2 for usage errors as click does; distinct codes for the kinds a script may
# want to tell apart (a damaged index is not a missing one).
EXIT_CODES: dict[Kind, int] = {
    Kind.usage: 2,
    Kind.not_found: 3,
    Kind.damaged: 4,
    Kind.conflict: 5,
    Kind.invalid_input: 1,
    Kind.unavailable: 1,
    Kind.io: 1,
}

HTTP_STATUS: dict[Kind, int] = {
    Kind.usage: 400,
    Kind.not_found: 404,
    Kind.damaged: 503,
    Kind.conflict: 409,
    Kind.invalid_input: 422,
    Kind.unavailable: 503,
    Kind.io: 500,
}


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

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.kind]

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.kind]


def command(*words: str | Path) -> str:
    """A `parallax …` command line with every word quoted for a POSIX shell, so that a hint
    naming a folder such as `odd corpus ;$(id)` can be pasted and runs on that folder."""
    return " ".join(["parallax", *(shlex.quote(str(word)) for word in words)])


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
