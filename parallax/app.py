"""What every command module of the CLI shares: the Typer app, the consoles, the common
options and the one place where errors become `Error: …` lines and exit codes."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from indexes import Filters, Mode
from parallax.errors import ParallaxError, ReportNotWritten, exit_code
from parallax.locations import ENV_VAR

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

IndexOpt = Annotated[Path | None, typer.Option(
    "--index", envvar=ENV_VAR, show_envvar=True, file_okay=False,
    help="Index folder [default: under the user's data directory].")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
SourceOpt = Annotated[str | None, typer.Option(
    "--source", help="Only documents whose file name or path matches this glob.")]
SinceOpt = Annotated[str | None, typer.Option(
    "--since", help="Only documents dated on or after this ISO date (2017, 2020-08, …).")]
UntilOpt = Annotated[str | None, typer.Option(
    "--until", help="Only documents dated on or before this ISO date.")]
ModeOpt = Annotated[Mode, typer.Option(help="Retrieval: hybrid (default), dense or lexical.",
                                       case_sensitive=False)]
# Seconds between progress lines when stderr is not a terminal.
PROGRESS_EVERY = 5.0

# Bounds keep a typo (-k 1000000000000000000000) a usage error instead of an overflow deep in
# FAISS or SQLite; no reader looks at ten thousand passages.
MAX_K = 10_000
TopOpt = Annotated[int, typer.Option("-k", "--top", min=1, max=MAX_K,
                                     help="Number of passages.")]
AuthorOpt = Annotated[str | None, typer.Option(
    "--author", help="Only documents whose author contains this (case-insensitive).")]


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn problems a user can fix into `Error: …` and a hint on stderr, with the exit code
    of the error's kind (parallax.errors.EXIT_CODES)."""
    try:
        yield
    except ParallaxError as error:
        _fail(error.message, error.hint, exit_code(error))
    except KeyboardInterrupt:
        _fail("interrupted; the previous index (if any) is unchanged", code=130)


def _fail(message: str, hint: str | None = None, code: int = 1) -> None:
    err.print(Text("Error: ", style="bold red") + Text(message))
    if hint:
        err.print(Text(hint, style="dim"))
    raise typer.Exit(code)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _filters(source: str | None, since: str | None, until: str | None,
             author: str | None) -> Filters:
    try:
        return Filters(source=source, since=since, until=until, author=author)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="'--since' / '--until'") from None


class _CliProgress:
    """Wires the indexing hooks to stderr: a live bar on a terminal, and plain lines every
    few seconds when stderr is piped or logged, so that a long run never looks hung."""

    def __init__(self, every: float | None = None) -> None:
        self._bar: Progress | None = None
        self._task: Any = None
        self._every = PROGRESS_EVERY if every is None else every
        self._stage = ""
        self._unit = ""
        self._done = self._total = 0
        self._began = self._said = 0.0

    def warning(self, message: str) -> None:
        err.print(Text("Warning: ", style="yellow") + Text(message))

    def loading_model(self, name: str) -> None:
        err.print(Text(f"Loading model {name} …", style="dim"))

    def started(self, stage: str, total: int, unit: str) -> None:
        if not total:
            return
        self._stage, self._unit, self._total, self._done = stage, unit, total, 0
        self._began = self._said = time.monotonic()
        if err.is_terminal:
            self._bar = Progress(TextColumn(f"{stage:<9}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn(unit), TimeElapsedColumn(), console=err)
            self._bar.start()
            self._task = self._bar.add_task(stage, total=total)
        else:
            self._line(f"{stage}: 0/{total} {unit}")

    def advanced(self, count: int) -> None:
        self._done += count
        if self._bar is not None:
            self._bar.advance(self._task, count)
        elif self._total and time.monotonic() - self._said >= self._every:
            elapsed = time.monotonic() - self._began
            left = elapsed / self._done * (self._total - self._done) if self._done else 0
            self._line(f"{self._stage}: {self._done}/{self._total} {self._unit} "
                       f"({100 * self._done // self._total}%), {_clock(elapsed)} elapsed, "
                       f"about {_clock(left)} left")

    def finished(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif self._total:
            self._line(f"{self._stage}: {self._done}/{self._total} {self._unit} in "
                       f"{_clock(time.monotonic() - self._began)}")
        self._total = 0

    def _line(self, text: str) -> None:
        self._said = time.monotonic()
        err.print(Text(text))


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _question(value: str) -> str:
    if not value.strip():
        raise typer.BadParameter("the question is empty")
    if not re.search(r"\w", value):
        raise typer.BadParameter("the question has no words, only punctuation")
    return value.strip()


def _topic(value: str) -> str:
    if not value.strip() or not re.search(r"\w", value):
        raise typer.BadParameter("the topic has no words; give one, e.g. \"the Taiwan question\"")
    return value.strip()




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
            _exit_quietly("interrupted", 130)
        detail = " ".join(str(error).split())[:300]
        _exit_quietly(f"unexpected {type(error).__name__}: {detail}", 70,
                      "This is a bug in Parallax. Run again with PARALLAX_DEBUG=1 to see where "
                      "it happened, and report it with that output.")


def _exit_quietly(message: str, code: int, hint: str | None = None) -> None:
    err.print(Text("Error: ", style="bold red") + Text(message))
    if hint:
        err.print(Text(hint, style="dim"))
    sys.exit(code)


def _write_report(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ReportNotWritten(f"cannot write the report to {path}: {error.strerror or error}",
                               "Give --md a file in a folder you can write to.") from None
    err.print(Text(f"Wrote {path}", style="dim"))


