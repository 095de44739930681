"""watchfiles or watchdog for `parallax watch`: the measurements the choice rests on.

Each backend runs in a child process of its own (so its CPU time and memory are its own) on a
tree of real files in a temporary folder, with the real inotify notifications, and reports:

- idle: CPU time per second of wall time (% of one core) and resident memory before and after
  `--idle` seconds with nothing changing;
- latency: from a file written and closed to its notification reaching Python, over 20 edits
  (median and max), with each backend at its finest grouping (the watcher debounces on top);
- burst: 1,000 files copied in at once: how many notification batches, whether every file was
  named, and the time from the first copy to the last notification;
- saves: an editor's save (write a hidden temporary file, rename it over the document), a
  folder moved inside the tree (then a file written in it: is the moved folder still watched?),
  a folder moved out, a metadata.csv edit: whether each is noticed, and what paths are named.

Run: python benchmarks/bench_watch_backends.py [--idle 60] [--backend watchfiles|watchdog]
(needs both packages installed; the project depends only on the one chosen).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class Collector:
    """Every notification with the time it reached Python, from a backend's thread."""

    def __init__(self) -> None:
        self.events: list[tuple[float, str]] = []
        self.batches = 0
        self.lock = threading.Lock()

    def add(self, paths: list[str]) -> None:
        now = time.monotonic()
        with self.lock:
            self.batches += 1
            self.events += [(now, p) for p in paths]

    def clear(self) -> None:
        with self.lock:
            self.events.clear()
            self.batches = 0

    def wait_for(self, predicate, timeout: float = 10.0) -> float | None:  # noqa: ANN001
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                for when, path in self.events:
                    if predicate(path):
                        return when
            time.sleep(0.002)
        return None

    def paths(self) -> set[str]:
        with self.lock:
            return {p for _, p in self.events}


def start_watchfiles(root: Path, collector: Collector, step_ms: int) -> object:
    from watchfiles._rust_notify import RustNotify

    stop = threading.Event()
    notify = RustNotify([str(root)], False, False, 300, True, False)

    def loop() -> None:
        while not stop.is_set():
            got = notify.watch(step_ms, step_ms, 1000, stop)
            if isinstance(got, set):
                collector.add([path for _, path in got])

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()

    class Stopper:
        def stop(self) -> None:
            stop.set()
            thread.join()
            notify.close()

    return Stopper()


def start_watchdog(root: Path, collector: Collector) -> object:
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:  # noqa: ANN001
            paths = [event.src_path] + ([event.dest_path] if getattr(event, "dest_path", "")
                                        else [])
            if event.event_type not in ("opened", "closed_no_write"):
                collector.add([os.fsdecode(p) for p in paths])

    observer = Observer()
    observer.schedule(Handler(), str(root), recursive=True)
    observer.start()

    class Stopper:
        def stop(self) -> None:
            observer.stop()
            observer.join()

    return Stopper()


def make_tree(root: Path, files: int = 1000, folders: int = 20) -> None:
    for i in range(files):
        folder = root / f"folder{i % folders:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"doc{i:04d}.txt").write_text(f"Document {i}.\n\nA paragraph of text.\n")
    (root / "metadata.csv").write_text("file,title,date,author,publisher\n")


def burst(root: Path, staging: Path, collector: Collector, files: int) -> dict:
    collector.clear()
    dest = root / f"copied-{files}"
    cpu0 = cpu_seconds()
    began = time.monotonic()
    subprocess.run(["cp", "-r", str(staging), str(dest)], check=True)
    copied_in = time.monotonic() - began
    wanted = {str(p) for p in dest.rglob("*.txt")}
    time.sleep(3.0)
    named = collector.paths()
    last = max((w for w, _ in collector.events), default=began)
    return {"files": files, "copy_s": round(copied_in, 3), "batches": collector.batches,
            "notifications": len(collector.events), "files_named": len(wanted & named),
            "last_notification_after_s": round(last - began, 3),
            "cpu_s": round(cpu_seconds() - cpu0, 3)}


def child(backend: str, idle: float, step_ms: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="watch-bench-"))
    root = work / "tree"
    make_tree(root)
    staging = work / "staging"
    staging.mkdir()
    for i in range(1000):
        (staging / f"copy{i:04d}.txt").write_text(f"Copied document {i}.\n")
    big_staging = work / "big-staging"
    for i in range(10_000):
        folder = big_staging / f"f{i // 500:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"copy{i:05d}.txt").write_text(f"Copied document {i}.\n")
    collector = Collector()
    started = time.monotonic()
    watcher = (start_watchfiles(root, collector, step_ms) if backend == "watchfiles"
               else start_watchdog(root, collector))
    time.sleep(1.0)
    ready = time.monotonic() - started
    result: dict = {"backend": backend, "step_ms": step_ms if backend == "watchfiles" else None,
                    "start_s": round(ready, 3)}

    # Idle.
    collector.clear()
    rss0, cpu0, wall0 = rss_kb(), cpu_seconds(), time.monotonic()
    time.sleep(idle)
    cpu1, wall1, rss1 = cpu_seconds(), time.monotonic(), rss_kb()
    result["idle"] = {"seconds": idle, "cpu_percent_of_core":
                      round(100 * (cpu1 - cpu0) / (wall1 - wall0), 3),
                      "rss_kb_before": rss0, "rss_kb_after": rss1,
                      "events": len(collector.events)}

    # Latency over 20 edits.
    latencies = []
    for i in range(20):
        target = root / f"folder{i:02d}" / f"edit{i}.txt"
        collector.clear()
        with open(target, "w") as handle:
            handle.write(f"edit {i}\n")
        written = time.monotonic()
        seen = collector.wait_for(lambda p, t=str(target): p == t)
        latencies.append(None if seen is None else (seen - written) * 1000)
        time.sleep(0.2)
    got = [x for x in latencies if x is not None]
    result["latency_ms"] = {"median": round(statistics.median(got), 1) if got else None,
                            "max": round(max(got), 1) if got else None,
                            "missed": latencies.count(None)}

    # Bursts: 1,000 then 10,000 files copied in by `cp -r` (another process, so that the CPU
    # time measured here is the backend's alone).
    result["burst"] = [burst(root, staging, collector, 1000),
                       burst(root, big_staging, collector, 10_000)]

    # Saves and moves.
    saves = {}
    doc = root / "folder00" / "doc0000.txt"
    collector.clear()
    temporary = root / "folder00" / ".doc0000.txt.swp"
    temporary.write_text("saved by an editor\n")
    os.replace(temporary, doc)
    time.sleep(1.5)
    saves["rename_over"] = {"document_named": str(doc) in collector.paths(),
                            "named": sorted(os.path.relpath(p, root) for p in collector.paths())}
    collector.clear()
    os.rename(root / "folder01", root / "folder01-moved")
    time.sleep(1.5)
    moved_seen = bool(collector.paths())
    collector.clear()
    inside = root / "folder01-moved" / "new-after-move.txt"
    inside.write_text("written in the moved folder\n")
    time.sleep(1.5)
    saves["folder_moved_within"] = {"noticed": moved_seen,
                                    "moved_folder_still_watched": str(inside) in collector.paths()}
    collector.clear()
    os.rename(root / "folder02", work / "folder02-out")
    time.sleep(1.5)
    saves["folder_moved_out"] = {"noticed": bool(collector.paths()),
                                 "named": sorted(os.path.relpath(p, root)
                                                 for p in collector.paths())[:5]}
    collector.clear()
    os.rename(work / "folder02-out", root / "folder02-back")
    time.sleep(1.5)
    in_back = root / "folder02-back" / "new.txt"
    collector.clear()
    in_back.write_text("x\n")
    time.sleep(1.5)
    saves["folder_moved_in_then_written"] = {"noticed": str(in_back) in collector.paths()}
    collector.clear()
    with open(root / "metadata.csv", "a") as handle:
        handle.write("folder00/doc0000.txt,A title,2020,,\n")
    time.sleep(1.5)
    saves["metadata_edit"] = {"noticed": str(root / "metadata.csv") in collector.paths()}
    result["saves"] = saves
    result["rss_kb_end"] = rss_kb()
    watcher.stop()
    shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument("--backend", choices=["watchfiles", "watchdog"])
    parser.add_argument("--step-ms", type=int, default=50)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.backend, args.idle, args.step_ms)))
        return
    runs = ([(args.backend, args.step_ms)] if args.backend else
            [("watchfiles", 50), ("watchfiles", 250), ("watchdog", 0)])
    print(f"# load: {Path('/proc/loadavg').read_text().strip()}", file=sys.stderr)
    for backend, step in runs:
        done = subprocess.run([sys.executable, __file__, "--child", "--backend", backend,
                               "--idle", str(args.idle), "--step-ms", str(step)],
                              capture_output=True, text=True, check=True)
        print(json.dumps(json.loads(done.stdout), indent=1))
    print(f"# load: {Path('/proc/loadavg').read_text().strip()}", file=sys.stderr)


if __name__ == "__main__":
    main()
