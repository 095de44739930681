"""What commands print besides their results: JSON on stdout, progress of long work on
stderr (a live bar on a terminal, plain lines every few seconds when piped or logged), and
reports written to files."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from parallax import printable
from parallax.cli.application import err
from parallax.errors import ReportNotWritten

# Seconds between progress lines when stderr is not a terminal.
PROGRESS_EVERY = 5.0


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def warn(warnings: Sequence[str]) -> None:
    """An answer's warnings on stderr, once each, whatever goes to stdout (--json keeps
    them too, under `warnings`)."""
    for message in warnings:
        err.print(Text("Warning: ", style="yellow") + Text(printable.line(message)))


class CliProgress:
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
        err.print(Text("Warning: ", style="yellow") + Text(printable.line(message)))

    def ocr_page(self, path: Path, page: int, pages: int) -> None:
        err.print(Text(f"OCR {path.name}: page {page} of {pages} (Tesseract) …", style="dim"))

    def loading_model(self, name: str) -> None:
        err.print(Text(f"Loading model {printable.name(name)} …", style="dim"))

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


def write_report(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ReportNotWritten(f"cannot write the report to {path}: {error.strerror or error}",
                               "Give --md a file in a folder you can write to.") from None
    err.print(Text(f"Wrote {printable.name(str(path))}", style="dim"))


