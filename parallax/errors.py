"""Problems a user can act on, raised by the use cases. They are `ParallaxError`s (defined
once, in corpus.errors, for every layer): a message, a hint with the command to run next,
and a kind from which the CLI's exit code and the server's HTTP status both come."""

from __future__ import annotations

from corpus.errors import EXIT_CODES, HTTP_STATUS, Kind, ParallaxError, command

__all__ = ["EXIT_CODES", "HTTP_STATUS", "Kind", "ParallaxError", "command", "NothingToIndex",
           "SettingsMismatch", "PassageNotFound", "ReportNotWritten", "UsageError"]


class NothingToIndex(ParallaxError):
    """No readable document was found; the existing index (if any) is left untouched."""

    kind = Kind.invalid_input


class SettingsMismatch(ParallaxError):
    """The index was built with another model or other splitting settings."""

    kind = Kind.conflict


class PassageNotFound(ParallaxError):
    """No passage has the given id."""

    kind = Kind.not_found


class ReportNotWritten(ParallaxError):
    """A report file (compare --md) could not be written."""

    kind = Kind.io


class UsageError(ParallaxError):
    """The request is wrong in itself: a question without words, a k out of range."""

    kind = Kind.usage
