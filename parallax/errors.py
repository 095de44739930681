"""Problems a user can act on. Each names what is wrong and what to run next; the CLI turns
them into `Error: …` lines and exit code 1."""

from __future__ import annotations


class ParallaxError(Exception):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class NothingToIndex(ParallaxError):
    """No readable document was found; the existing index (if any) is left untouched."""


class SettingsMismatch(ParallaxError):
    """The index was built with another model or other splitting settings."""


class PassageNotFound(ParallaxError):
    """No passage has the given id."""


class ReportNotWritten(ParallaxError):
    """A report file (compare --md) could not be written."""
