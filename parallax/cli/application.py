"""The Typer app every command registers on, the consoles it prints to, and the one place
where errors become an `Error: …` line, a hint and the exit code of the error's kind."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from parallax import printable
from parallax.errors import EXIT_BUG, EXIT_INTERRUPTED, ParallaxError, exit_code

app = typer.Typer(
    help="Semantic search over a folder of documents, and what each source says.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# Errors and warnings stay one line each, whatever the width: they get grepped and logged.
err = Console(stderr=True, highlight=False, soft_wrap=True)


class _Stdout:
    """stdout as a Rich console, made when printing so that it sees the stream in use; piped
    output is not wrapped, so that each line can be grepped."""

    def print(self, renderable: Any) -> None:
        Console(highlight=False, soft_wrap=not sys.stdout.isatty()).print(renderable)

    @property
    def is_terminal(self) -> bool:
        return sys.stdout.isatty()


out = _Stdout()

BUG_HINT = ("This is a bug in Parallax. Run again with PARALLAX_DEBUG=1 to see where it "
            "happened, and report it with that output.")


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn problems a user can fix into `Error: …` and a hint on stderr, with the exit code
    of the error's kind (parallax.errors.exit_code)."""
    try:
        yield
    except ParallaxError as error:
        say_error(error.message, error.hint)
        raise typer.Exit(exit_code(error)) from None
    except KeyboardInterrupt as interrupted:
        # A run of `index` says what the parts it published kept (RunInterrupted).
        say_error(getattr(interrupted, "message", None)
                  or "interrupted; the previous index (if any) is unchanged")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def say_error(message: str, hint: str | None = None) -> None:
    """Both lines escaped: a message often names a file, and a file name can hold a line
    break or a terminal's escape sequence."""
    err.print(Text("Error: ", style="bold red") + Text(printable.line(message)))
    if hint:
        err.print(Text(printable.line(hint), style="dim"))


def main() -> None:
    """The console script. A bug must not reach a user as a Python traceback: it becomes one
    line naming the error, and PARALLAX_DEBUG=1 shows the traceback for a report."""
    try:
        app()
    except SystemExit:
        raise
    except BaseException as error:  # noqa: BLE001 - the last line of defence
        if os.environ.get("PARALLAX_DEBUG"):
            raise
        if isinstance(error, KeyboardInterrupt):
            say_error("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        detail = " ".join(str(error).split())[:300]
        say_error(f"unexpected {type(error).__name__}: {detail}", BUG_HINT)
        sys.exit(EXIT_BUG)
