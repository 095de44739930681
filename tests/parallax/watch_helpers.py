"""A watcher running in a thread of the test, on real files with real notifications, and
what the tests read back: the documents and passages an index holds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from indexes import IndexReader
from parallax.watching import RunSummary, Watcher, WatchListener, WatchOptions

# Generous: a test waits for what it expects, and fails only if it never comes.
PATIENCE = 300.0


class Recorder(WatchListener):
    def __init__(self) -> None:
        self.runs: list[RunSummary] = []
        self.notices: list[str] = []
        self.mode: Any = None

    def watching(self, folders: list[Path], mode: Any) -> None:
        self.mode = mode

    def notice(self, message: str) -> None:
        self.notices.append(message)

    def run_finished(self, summary: RunSummary) -> None:
        self.runs.append(summary)


def wait_for(condition: Callable[[], Any], what: str, patience: float = PATIENCE) -> Any:
    end = time.monotonic() + patience
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


@contextmanager
def watching(index_dir: Path, folders: list[Path] | None, encoder: Any,
             **options: Any) -> Iterator[tuple[Watcher, Recorder]]:
    """A watcher in a thread, stopped (after its run in progress) when the block ends; it
    has made its first run (catching up) when the block begins."""
    recorder = Recorder()
    opts = WatchOptions(encoder_loader=lambda name: encoder, **options)
    watcher = Watcher(index_dir, folders, opts, recorder)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            watcher.run_forever()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            failure.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    wait_for(lambda: recorder.runs or failure, "the first run")
    try:
        yield watcher, recorder
    finally:
        watcher.stop()
        thread.join(PATIENCE)
    if failure:
        raise failure[0]


def contents(index_dir: Path) -> dict[str, tuple[str | None, list[str]]]:
    """Each document's path -> (title, passage texts in order)."""
    with IndexReader(index_dir) as reader:
        return {d.path: (d.title, [p.text for p in reader.passages_of(d.rowid)])
                for d in reader.documents()}


def settle(recorder: Recorder, quiet: float = 1.5) -> None:
    """Wait until no run has finished for `quiet` seconds (a burst fully handled)."""
    last = (len(recorder.runs), time.monotonic())
    while time.monotonic() - last[1] < quiet:
        time.sleep(0.1)
        if len(recorder.runs) != last[0]:
            last = (len(recorder.runs), time.monotonic())
