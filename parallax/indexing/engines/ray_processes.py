"""The processes of a local Ray instance Parallax started, so that none outlives it.

`ray.shutdown()` stops the instance's processes, and here (Ray 2.60) every one was gone
within 4 s of a Ctrl-C. But a worker was seen living on for about 45 s after `parallax`
(issue 25), holding the model's memory; and a terminal's SIGINT reaches the raylet and GCS
(this process's group) but not the workers (each in a group of its own), which an early
death of the raylet leaves orphaned, no longer children of this process. So the engine
notes the processes `ray.init` started and their descendants as they appear, with their
start times (a reused pid is never taken for one of them), and after the shutdown ends
those still running (`end`). Never another child of the program. Linux only (/proc);
elsewhere nothing is noted and Ray's own shutdown is all there is.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

# Seconds the processes get to exit by themselves after ray.shutdown() before SIGKILL.
GRACE = 3.0

Processes = dict[int, int]  # pid -> start time (clock ticks after boot)


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) of a running process, None when it is gone or a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in ("Z", "X"):  # exited, waiting to be reaped
        return None
    return int(fields[1]), int(fields[19])


def snapshot(roots: Processes | None = None) -> Processes:
    """The running descendants of this process, with their start times; given `roots`,
    those of them still running and their descendants instead."""
    children: dict[int, list[int]] = {}
    started: Processes = {}
    try:
        entries = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    except OSError:
        return {}
    for pid in entries:
        stat = _stat(pid)
        if stat is not None:
            children.setdefault(stat[0], []).append(pid)
            started[pid] = stat[1]
    if roots is None:
        found: Processes = {}
        todo = [os.getpid()]
    else:
        found = {pid: start for pid, start in roots.items() if started.get(pid) == start}
        todo = list(found)
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = started[child]
            todo.append(child)
    return found


def new_since(before: Processes) -> Processes:
    """This process's descendants that were not running at `before` (a snapshot): those a
    call made in between started, and theirs."""
    return {pid: start for pid, start in snapshot().items() if before.get(pid) != start}


def running(processes: Processes) -> list[int]:
    """Those of `processes` still running (the same process: same pid and start time)."""
    alive = []
    for pid, start in processes.items():
        stat = _stat(pid)
        if stat is not None and stat[1] == start:
            alive.append(pid)
    return alive


def end(processes: Processes, grace: float = GRACE) -> None:
    """Wait up to `grace` seconds for `processes` to exit, then kill the rest."""
    deadline = time.monotonic() + grace
    while running(processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in running(processes):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
