"""Which notifications call for a run, and when the run starts (debouncing).

A run is the ordinary incremental `index` of the watched folders: it compares every file
with the index, so a notification is only a reason to look, never the list of what to
index. What matters here is that no real change is missed (a deleted folder cannot be
stat'ed, so any deletion counts) and that editors' scratch files, which `index` never
reads, start no run of their own."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from corpus.discover import METADATA_FILENAME, is_supported_name

# Editors' and downloaders' scratch names that are not hidden. Hidden names (vim's
# .x.swp, gedit's .goutputstream-*, emacs' .#x lock links, our own .parallax-tmp-*) and
# unsupported suffixes (x.txt~, #x.txt#, x.txt.tmp, x.part) are ignored anyway, as `index`
# never reads them; these would otherwise look like folders.
SCRATCH_NAMES = frozenset({"4913"})  # vim's probe that a folder is writable

# Seconds of quiet that end a burst, and the longest a change waits under a steady stream.
QUIET_SECONDS = 1.0
MAX_WAIT_SECONDS = 10.0
# A lone save (one settled group of at most LONE_CHANGES changes, after QUIET_SECONDS
# without any) is run after SETTLE_SECONDS of quiet instead: the notifications have already
# waited for the editor's events to stop (notifications.STEP_MS), and a burst shows itself
# by its size or by a second group within this time (watchfiles hands a copy over every
# 200 ms). Measured on the sample corpus (benchmarks/bench_watch.py): most of a save's
# latency was this wait.
SETTLE_SECONDS = 0.3
LONE_CHANGES = 5


@dataclass(frozen=True)
class Change:
    """A path a notification named, and whether it was added, modified or deleted."""

    kind: str  # "added", "modified", "deleted"
    path: str


def relevant(change: Change, roots: list[Path], ignored: list[Path]) -> bool:
    """Whether `change` may alter what the index holds: a document `index` would read, a
    metadata.csv, or a folder (added, or deleted: a deleted path cannot be told apart from
    a folder, so it counts). Hidden names anywhere below a root, scratch names and paths
    under `ignored` (the index folder itself, if it lies inside a watched folder) do not."""
    path = Path(change.path)
    if any(path == i or i in path.parents for i in ignored):
        return False
    root = next((r for r in roots if path == r or r in path.parents), None)
    if root is None:
        return False
    if path == root:  # a watched file named on its own, or a root folder itself
        return True
    below = path.relative_to(root).parts
    if any(part.startswith(".") for part in below):
        return False
    name = below[-1]
    if name in SCRATCH_NAMES:
        return False
    if name.lower() == METADATA_FILENAME or is_supported_name(name):
        return True
    if change.kind == "deleted":
        return True  # perhaps a folder, and its documents must leave the index
    return os.path.isdir(path)


@dataclass
class Pending:
    """Changes waiting for a run: due once `quiet` seconds have passed without a new one,
    or `max_wait` seconds after the first, so that a steady stream cannot hold a change
    back for ever. A lone save (see SETTLE_SECONDS) is due after `settle` seconds instead;
    once changes follow each other (a second group, or one within `quiet` of the change
    before), they wait for the full quiet again."""

    quiet: float = QUIET_SECONDS
    max_wait: float = MAX_WAIT_SECONDS
    settle: float = SETTLE_SECONDS
    changes: dict[str, Change] = field(default_factory=dict)
    first: float | None = None
    last: float | None = None
    groups: int = 0  # the groups of changes added since the last take
    calm: bool = True  # whether the first of them came after `quiet` without any change
    latest: float | None = None  # the last change ever added (kept across takes)

    def add(self, changes: list[Change], now: float) -> None:
        """Add one settled group of changes (what a notification delivers at once)."""
        if not changes:
            return
        if self.first is None:
            self.calm = self.latest is None or now - self.latest >= self.quiet
        for change in changes:
            self.changes[change.path] = change
        self.first = now if self.first is None else self.first
        self.last = self.latest = now
        self.groups += 1

    def __bool__(self) -> bool:
        return bool(self.changes)

    @property
    def lone(self) -> bool:
        """Whether what waits looks like one save rather than the start of a burst."""
        return self.calm and self.groups == 1 and len(self.changes) <= LONE_CHANGES

    def due_in(self, now: float) -> float | None:
        """Seconds until a run is due (0: now), or None when nothing is waiting."""
        if self.first is None or self.last is None:
            return None
        quiet = min(self.settle, self.quiet) if self.lone else self.quiet
        return max(0.0, min(self.last + quiet, self.first + self.max_wait) - now)

    def take(self) -> list[Change]:
        """The changes waiting, which are then no longer pending."""
        taken = sorted(self.changes.values(), key=lambda c: c.path)
        self.changes, self.first, self.last, self.groups = {}, None, None, 0
        return taken
