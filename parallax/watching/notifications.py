"""The operating system's file notifications (inotify on Linux, through watchfiles), or
polling where they cannot be trusted, delivered as lists of changes on a queue.

watchfiles was chosen over watchdog by measurement (benchmarks/bench_watch_backends.py,
README "A live index"): both noticed every save, move and deletion, both idle at about 0 %
of a core, but watchfiles groups a burst in Rust and hands Python a few batches (10,000
copied files: 7 to 21 batches, 0.3 s of CPU) where watchdog calls Python once per event
(about 50,000 calls, 3.4 s of CPU on the same two shared cores).

Notifications are not available, or not complete, on network file systems (a change made
on another machine raises no event here) and when the kernel's limit on watches is
reached. The first is read from the mount table; the second is an error when watching
starts, and, for folders created later, is found by counting this process's watches
against the folders (watchfiles itself stays silent about it). Either way the watcher says
so and polls instead."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from parallax.watching.changes import Change

# In milliseconds: a group of changes is handed over after STEP_MS without a new one (an
# editor's save is a few events within a millisecond or so: one group, 50 to 100 ms after
# it), or GROUP_MS after its first change while changes keep coming (a copy arrives in
# groups of 200 ms). STEP_MS is also how often the thread looks at its stop flag: 20 short
# wake-ups a second, no measurable CPU while idle (README "What it costs").
STEP_MS = 50
GROUP_MS = 200
POLL_SECONDS = 2.0
KINDS = {1: "added", 2: "modified", 3: "deleted"}
# File systems whose changes can come from another machine, where inotify sees nothing.
NETWORK_FILE_SYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
    "lustre", "gpfs", "beegfs", "fuse.sshfs", "fuse.rclone", "fuse.glusterfs", "davfs",
    "fuse.davfs2", "fuse.s3fs", "fuse.gcsfuse", "fuse.juicefs", "fuse.ceph",
})


class WatchUnavailable(Exception):
    """Notifications cannot be used for these folders; `reason` says why, for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Mode:
    """How changes are found: notifications, or polling every `interval` seconds and why."""

    polling: bool
    interval: float | None = None
    reason: str | None = None

    def describe(self) -> str:
        if not self.polling:
            return "file notifications"
        why = f" ({self.reason})" if self.reason else ""
        return f"polling every {self.interval:g} s{why}"


class Notifier:
    """Threads that put each settled group of changes under `roots` on `out` as a list of
    Change. Folders are watched recursively; a file named on its own through its folder,
    not recursively, so that an editor's rename-over save (a new file under the old name)
    is seen."""

    def __init__(self, roots: list[Path], out: queue.Queue, mode: Mode) -> None:
        from watchfiles._rust_notify import RustNotify

        self.mode = mode
        self._out = out
        self._stop = threading.Event()
        folders = [str(r) for r in roots if r.is_dir()]
        parents = sorted({str(r.parent) for r in roots if not r.is_dir() and r.parent.is_dir()})
        self._watches = []
        poll_ms = int((mode.interval or POLL_SECONDS) * 1000)
        try:
            for paths, recursive in ((folders, True), (parents, False)):
                if paths:
                    self._watches.append(RustNotify(paths, False, mode.polling, poll_ms,
                                                    recursive, True))
        except OSError as error:  # the watch limit, or a folder gone meanwhile
            self.close()
            raise WatchUnavailable(watch_error(error)) from None
        self._threads = [threading.Thread(target=self._loop, args=(w,), daemon=True,
                                          name="parallax-notifications")
                         for w in self._watches]
        for thread in self._threads:
            thread.start()

    def _loop(self, watch) -> None:  # noqa: ANN001 - watchfiles' RustNotify
        while not self._stop.is_set():
            try:
                got = watch.watch(GROUP_MS, STEP_MS, 0, self._stop)
            except Exception as error:  # noqa: BLE001 - a watcher thread must say, not die
                self._out.put(WatchUnavailable(watch_error(error)))
                return
            if isinstance(got, set):
                self._out.put([Change(KINDS.get(kind, "modified"), path)
                               for kind, path in sorted(got, key=lambda c: c[1])])

    def close(self) -> None:
        self._stop.set()
        for thread in getattr(self, "_threads", []):
            thread.join(timeout=5)
        for watch in self._watches:
            watch.close()
        self._watches = []


def watch_error(error: BaseException) -> str:
    text = str(error)
    if "limit" in text.lower() or getattr(error, "errno", None) == 28:
        return ("the system's limit on file watches is reached (raise "
                "fs.inotify.max_user_watches)")
    return f"file notifications failed ({' '.join(text.split())[:200]})"


def network_reason(roots: list[Path], mountinfo: str | None = None) -> str | None:
    """Why notifications would miss changes under `roots`: the first root on a network
    file system (changes made on other machines raise no event here), or None."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8",
                                                               errors="replace")
        except OSError:
            return None
    mounts = mount_types(mountinfo)
    for root in roots:
        kind = file_system_of(root, mounts)
        if kind in NETWORK_FILE_SYSTEMS or (kind or "").split(".")[0] in NETWORK_FILE_SYSTEMS:
            return f"{root} is on a network file system ({kind})"
    return None


def mount_types(mountinfo: str) -> dict[str, str]:
    """Mount point -> file system type, from the text of /proc/self/mountinfo."""
    mounts = {}
    for line in mountinfo.splitlines():
        before, _, after = line.partition(" - ")
        fields = before.split()
        if len(fields) >= 5 and after:
            point = fields[4].replace("\\040", " ").replace("\\011", "\t")
            mounts[point] = after.split()[0]
    return mounts


def file_system_of(path: Path, mounts: dict[str, str]) -> str | None:
    """The type of the file system `path` lives on: its longest mount point."""
    path = Path(os.path.abspath(path))
    for candidate in (path, *path.parents):
        if str(candidate) in mounts:
            return mounts[str(candidate)]
    return None


def watches_missing(roots: list[Path], count: Callable[[], int] | None = None) -> int:
    """How many folders under `roots` this process has no inotify watch for (0 when all
    are watched), by comparing the folders with the watches the kernel lists for this
    process: watchfiles drops a folder it cannot watch without a word."""
    folders = sum(1 + sum(not os.path.islink(os.path.join(top, name))
                          for top, names, _ in os.walk(r) for name in names)
                  for r in roots if r.is_dir())
    folders += len({r.parent for r in roots if not r.is_dir()})
    watches = (count or inotify_watches)()
    return max(0, folders - watches)


def inotify_watches() -> int:
    """The inotify watches this process holds, from /proc/self/fdinfo."""
    total = 0
    try:
        descriptors = os.listdir("/proc/self/fd")
    except OSError:
        return 0
    for fd in descriptors:
        try:
            if os.readlink(f"/proc/self/fd/{fd}") != "anon_inode:inotify":
                continue
            with open(f"/proc/self/fdinfo/{fd}", encoding="ascii", errors="replace") as info:
                total += sum(1 for line in info if line.startswith("inotify wd:"))
        except OSError:
            continue
    return total
