"""The watcher: file notifications in, runs of the incremental `index` out.

Each run is `build_index` of the watched folders, exactly as `parallax index` runs it: the
same lock (`LOCK`), the same plan (every file compared with the index, so nothing depends
on which notifications arrived) and the same atomic publishing, so the index is always a
published generation. Notifications only say when to look: a burst becomes one run once
things are quiet (changes.Pending), and a change made during a run is queued by the
notification thread and starts the next run.

The watcher reports through a listener (plain calls with plain data); the command line
and the server print what they receive."""

from __future__ import annotations

import os
import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from embed import Encoder
from indexes import exists
from indexes.errors import IndexBusy
from parallax.errors import Kind, NothingToIndex, ParallaxError
from parallax.indexing import (
    EncoderLoader,
    EncoderSpec,
    ForwardingProgress,
    IndexProgress,
    IndexReport,
    build_index,
    indexed_folders,
)
from parallax.watching.changes import (
    MAX_WAIT_SECONDS,
    QUIET_SECONDS,
    SETTLE_SECONDS,
    Change,
    Pending,
    relevant,
)
from parallax.watching.notifications import (
    POLL_SECONDS,
    Mode,
    Notifier,
    WatchUnavailable,
    network_reason,
    watches_missing,
)
from parallax.watching.presence import Presence

# Errors after which watching cannot go on: the index is damaged, was built with other
# settings, is not an index or cannot be written. Others (nothing to index, a file that
# cannot be read) are said and watching goes on.
FATAL_KINDS = {Kind.damaged, Kind.conflict, Kind.io, Kind.usage}
# Said once when another process holds the index's lock; the changes stay pending.
BUSY = ("another process is writing the index (a `parallax index`?); the watcher waits for "
        "it and then runs")


@dataclass
class RunSummary:
    """One run: what set it off, what it changed in the index, how long it took."""

    number: int
    trigger: list[str]  # the paths notifications named (the first few), or a reason
    started: str  # ISO 8601, UTC
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU time during the run (all its threads)
    waited: float | None = None  # from the first change noticed to the start (debouncing)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    relabelled: list[str] = field(default_factory=list)
    before: str | None = None  # the generation current when the run began
    generation: str | None = None  # the generation current when it ended
    problem: str | None = None  # why the run did not complete, if it did not

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.relabelled)

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "trigger": self.trigger, "started": self.started,
                "seconds": round(self.seconds, 3), "cpu_seconds": round(self.cpu_seconds, 3),
                "waited": None if self.waited is None else round(self.waited, 3),
                "added": len(self.added),
                "updated": len(self.updated), "removed": len(self.removed),
                "relabelled": len(self.relabelled), "generation": self.generation,
                "problem": self.problem}


class WatchListener:
    """What a watcher tells its front end; every method may be left as a no-op."""

    def watching(self, folders: list[Path], mode: Mode) -> None: ...
    def notice(self, message: str) -> None: ...  # a fallback, a file skipped, a busy index
    def run_started(self, summary: RunSummary) -> None: ...
    def run_finished(self, summary: RunSummary) -> None: ...


@dataclass
class WatchOptions:
    """How a watcher decides and runs: debouncing, polling, and what `index` is given."""

    quiet: float = QUIET_SECONDS
    max_wait: float = MAX_WAIT_SECONDS
    settle: float = SETTLE_SECONDS  # the quiet that ends a lone save (changes.SETTLE_SECONDS)
    poll: bool = False  # poll even where notifications work
    poll_interval: float = POLL_SECONDS
    model: str | None = None
    precision: str = "auto"
    encoder_loader: EncoderLoader | None = None
    build: dict[str, Any] = field(default_factory=dict)  # more keyword arguments of build_index


class Watcher:
    """Keeps the index at `index_dir` current with `folders` (default: every folder the index
    was built from). `run_forever` blocks until `stop` is called, from a signal handler or
    another thread; a run in progress is finished (and published) first."""

    def __init__(self, index_dir: Path, folders: list[Path] | None = None,
                 options: WatchOptions | None = None, listener: WatchListener | None = None,
                 progress: IndexProgress | None = None) -> None:
        self.index_dir = index_dir.resolve()
        self.options = options or WatchOptions()
        self.listener = listener or WatchListener()
        self.progress = LoadOnce(progress or IndexProgress())
        self.folders = ([Path(os.path.abspath(f.expanduser())) for f in folders] if folders
                        else indexed_folders(self.index_dir))
        self.roots = [_resolved(f) for f in self.folders]
        self.mode = Mode(polling=False)
        self.running = False
        self.runs = 0
        self.last_run: RunSummary | None = None
        self.current: RunSummary | None = None
        self.stopped = threading.Event()
        self._stop = threading.Event()
        self._queue: queue.Queue = queue.Queue()
        self._pending = Pending(self.options.quiet, self.options.max_wait, self.options.settle)
        self._notifier: Notifier | None = None
        self._presence = Presence(self.index_dir)
        self._encoder: Encoder | None = None
        self._skipped: set[tuple[str, str]] = set()
        self._said: set[str] = set()
        self._ignored = [self.index_dir]

    # Control ------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop after the run in progress, if any (safe from a signal handler)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def pending(self) -> int:
        return len(self._pending.changes)

    def run_forever(self) -> None:
        """Watch, run, repeat, until `stop`. The first run catches up with whatever changed
        while nobody watched."""
        try:
            if exists(self.index_dir):
                self._claim()
            self._start_notifications()
            self.listener.watching(self.folders, self.mode)
            self._run(["catching up with changes made while not watching"])
            if self._presence.record.get("pid") is None and exists(self.index_dir):
                self._claim()
            self._warm()
            while not self._stop.is_set():
                self._wait_and_run()
        finally:
            if self._notifier is not None:
                self._notifier.close()
            self._presence.release()
            self.stopped.set()

    # The loop -----------------------------------------------------------------------------

    def _wait_and_run(self) -> None:
        due = self._pending.due_in(time.monotonic())
        try:
            # At most a second asleep: a stop asked from a signal handler is seen soon.
            item = self._queue.get(timeout=1.0 if due is None else min(max(due, 0.01), 1.0))
        except queue.Empty:
            item = None
        while item is not None:
            self._receive(item)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                item = None
        now = time.monotonic()
        due = self._pending.due_in(now)
        if due == 0 and not self._stop.is_set():
            waited = now - self._pending.first  # type: ignore[operator]
            changes = self._pending.take()
            self._run([c.path for c in changes], changes, waited)

    def _receive(self, item: list[Change] | WatchUnavailable) -> None:
        if isinstance(item, WatchUnavailable):
            self._fall_back(item.reason)
            return
        wanted = [c for c in item if relevant(c, self.roots, self._ignored)]
        self._pending.add(wanted, time.monotonic())

    def _run(self, trigger: list[str], changes: list[Change] | None = None,
             waited: float | None = None) -> None:
        """One run of `index` over the watched folders; a busy index is waited for, with
        the changes kept for the run after."""
        present = [f for f in self.folders if os.path.lexists(f)]
        for gone in sorted(set(self.folders) - set(present)):
            self._say_once(f"{gone} is missing (unmounted or moved?); its documents stay "
                           "in the index until it is back")
        if not present:
            return
        self.runs += 1
        summary = RunSummary(self.runs, trigger[:5] + ([f"… {len(trigger) - 5} more"]
                                                       if len(trigger) > 5 else []),
                             _now(), before=_generation(self.index_dir), waited=waited)
        self.current, self.running = summary, True
        self._presence.update(running=True, run_started=summary.started)
        self.listener.run_started(summary)
        began, cpu = time.monotonic(), time.process_time()
        busy = False
        try:
            report = build_index(present, self.index_dir, self.options.model,
                                 precision=self.options.precision,
                                 encoder_loader=self._load_encoder, progress=self.progress,
                                 **self.options.build)
        except IndexBusy:
            # A manual `index` (or another writer) holds the lock: its run covers these
            # changes too, but they stay pending so that nothing depends on it.
            busy = True
            self._pending.add(changes or [Change("modified", str(p)) for p in present],
                              time.monotonic())
        except NothingToIndex as error:
            summary.problem = error.message
        except ParallaxError as error:
            if error.kind in FATAL_KINDS:
                raise
            summary.problem = error.message
        else:
            self._describe(report, summary)
            if changes and any(c.kind == "added" and os.path.isdir(c.path) for c in changes):
                self._check_watches()
        finally:
            summary.seconds = time.monotonic() - began
            summary.cpu_seconds = time.process_time() - cpu
            self.running, self.current = False, None
            self._presence.update(running=False, run_started=None)
        if busy:
            self.runs -= 1  # nothing was done: the same number is used by the retry
            self._say_once(BUSY)
            return
        self._said.discard(BUSY)
        self.last_run = summary
        self._presence.update(last_run=summary.as_dict())
        self.listener.run_finished(summary)

    def _describe(self, report: IndexReport, summary: RunSummary) -> None:
        summary.added, summary.updated = report.added, report.updated
        summary.removed, summary.relabelled = report.removed, report.metadata_updated
        summary.generation = _generation(self.index_dir)
        skipped = {(str(s.path), s.reason) for s in report.skipped}
        for path, reason in sorted(skipped - self._skipped):  # each named once
            self.listener.notice(f"cannot index {path}: {reason}")
        self._skipped = skipped  # one that recovers and fails again is named again

    def _warm(self) -> None:
        """Load the model now, not at the first save: that save is then answered as fast
        as the others (the model stays loaded in any case once a run has embedded)."""
        if self._encoder is None and not self._stop.is_set() and exists(self.index_dir):
            from indexes import IndexReader

            with IndexReader(self.index_dir) as reader:
                identity = reader.manifest.model
            self.progress.loading_model(identity)
            self._load_encoder(identity)

    def _load_encoder(self, identity: str) -> Encoder:
        """The model, loaded at the first run that embeds and kept: a run then costs only
        its own embedding."""
        if self._encoder is None:
            spec = EncoderSpec(identity, self.options.precision)
            loader = self.options.encoder_loader
            self._encoder = loader(identity) if loader else spec.load()
        return self._encoder

    # Notifications ------------------------------------------------------------------------

    def _start_notifications(self) -> None:
        reason = None if self.options.poll else network_reason(self.roots)
        if self.options.poll:
            reason = "asked for"
        watched = [r for r in self.roots if r.exists()]
        if reason is None:
            try:
                self._notifier = Notifier(watched, self._queue, Mode(polling=False))
                self.mode = self._notifier.mode
                missing = watches_missing(watched)
                if missing:
                    self._notifier.close()
                    reason = (f"{missing} folders could not be watched: the system's limit "
                              "on file watches is reached (raise fs.inotify.max_user_watches)")
                else:
                    return
            except WatchUnavailable as unavailable:
                reason = unavailable.reason
        self._poll(watched, reason)

    def _poll(self, watched: list[Path], reason: str) -> None:
        self.mode = Mode(polling=True, interval=self.options.poll_interval, reason=reason)
        self._notifier = Notifier(watched, self._queue, self.mode)
        self._presence.update(mode=self.mode.describe())

    def _fall_back(self, reason: str) -> None:
        if self.mode.polling:
            return
        if self._notifier is not None:
            self._notifier.close()
        self._poll([r for r in self.roots if r.exists()], reason)
        self.listener.notice(f"file notifications stopped working: {reason}; "
                             f"{self.mode.describe()}")
        # Whatever changed while notifications were failing: a run compares everything.
        self._pending.add([Change("modified", str(self.roots[0]))], time.monotonic())

    def _check_watches(self) -> None:
        if self.mode.polling or self._notifier is None:
            return
        missing = watches_missing([r for r in self.roots if r.exists()])
        if missing:
            time.sleep(0.2)  # a folder deleted just now is no longer watched nor counted
            missing = watches_missing([r for r in self.roots if r.exists()])
        if missing:
            self._fall_back(f"{missing} new folders could not be watched: the system's "
                            "limit on file watches is reached (raise "
                            "fs.inotify.max_user_watches)")

    # The record other processes read ------------------------------------------------------

    def _claim(self) -> None:
        self._presence.claim({"pid": os.getpid(), "since": _now(),
                              "folders": [str(f) for f in self.folders],
                              "mode": self.mode.describe(), "running": self.running,
                              "run_started": None,
                              "last_run": self.last_run.as_dict() if self.last_run else None})

    def _say_once(self, message: str) -> None:
        if message not in self._said:
            self._said.add(message)
            self.listener.notice(message)


class LoadOnce(ForwardingProgress):
    """The front end's progress, except that the model is said to load only when it does:
    at the first run that embeds (the watcher keeps it)."""

    def __init__(self, progress: IndexProgress) -> None:
        super().__init__(progress)
        self.loaded = False

    def loading_model(self, name: str) -> None:
        if not self.loaded:
            self.loaded = True
            self.inner.loading_model(name)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve() if path.is_dir() else path.parent.resolve() / path.name
    except (OSError, RuntimeError):
        return path


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _generation(index_dir: Path) -> str | None:
    from indexes.storage.layout import current_name

    return current_name(index_dir) or None
