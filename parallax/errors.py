"""Problems a user can act on, raised by the use cases, and how the interfaces report them.

They are `ParallaxError`s (defined once, in corpus.errors, for every layer): a message, a
hint with the command to run next, and a kind. The CLI's exit code and the server's HTTP
status both come from the kind, through the two tables here: they belong to the interfaces,
not to the layers that raise the errors.
"""

from __future__ import annotations

from corpus.errors import Kind, ParallaxError

__all__ = ["EXIT_BUG", "EXIT_CODES", "EXIT_INTERRUPTED", "HTTP_STATUS", "Kind", "ParallaxError",
           "NothingToIndex", "SettingsMismatch", "PassageNotFound", "FileMissing",
           "ReportNotWritten", "UsageError", "exit_code", "http_status"]

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
# Besides the kinds: a bug in Parallax (EX_SOFTWARE of sysexits.h), and an interrupted run
# (128 + SIGINT, as a shell reports it). README's "Exit codes" lists them all.
EXIT_BUG = 70
EXIT_INTERRUPTED = 130

HTTP_STATUS: dict[Kind, int] = {
    Kind.usage: 400,
    Kind.not_found: 404,
    Kind.damaged: 503,
    Kind.conflict: 409,
    Kind.invalid_input: 422,
    Kind.unavailable: 503,
    Kind.io: 500,
}


def exit_code(error: ParallaxError) -> int:
    """The command line's exit code for `error`."""
    return EXIT_CODES[error.kind]


def http_status(error: ParallaxError) -> int:
    """The HTTP status the server answers `error` with."""
    return HTTP_STATUS[error.kind]


class NothingToIndex(ParallaxError):
    """No readable document was found; the existing index (if any) is left untouched."""

    kind = Kind.invalid_input


class SettingsMismatch(ParallaxError):
    """The index was built with another model or other splitting settings."""

    kind = Kind.conflict


class PassageNotFound(ParallaxError):
    """No passage has the given id."""

    kind = Kind.not_found


class FileMissing(ParallaxError):
    """A file named on the command line (inspect FILE) does not exist."""

    kind = Kind.not_found


class DocumentFileMissing(ParallaxError):
    """The file a passage came from is no longer where it was indexed."""

    kind = Kind.not_found


class ReportNotWritten(ParallaxError):
    """A report file (compare --md) could not be written."""

    kind = Kind.io


class UsageError(ParallaxError):
    """The request is wrong in itself: a question without words, a k out of range."""

    kind = Kind.usage
