"""Warm query latency, idle and while another process keeps every core busy.

    .venv/bin/python benchmarks/bench_latency.py --index DIR [--questions FILE]
        [--modes hybrid,dense] [--rounds 2] [--compare-rev REV]

Each configuration answers in a process of its own (thread settings are per process): the
code of this tree, and with `--compare-rev REV` the code of that git revision too (exported
with `git archive`), both on the same index. Every round runs, for each configuration in
turn, every question in each mode through the façade (`Service.ask`, k=10: the question's
forward pass, search, highlights), first idle, then while as many spinning processes as the
machine has cores compete for them. p50/p95/p99 per configuration, mode and load, with the
load average beside each phase. The questions default to SciFact's test questions.

Not a test: timings depend on the machine and on whatever else runs. Quote the output whole.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact"

CHILD = r"""
import json, sys, time
from pathlib import Path
from indexes import Mode
from parallax.service import Service

service = Service(Path(sys.argv[1]))
service.warm()
questions = json.loads(sys.stdin.readline())
for q in questions[:20]:  # warm: caches, pages, the lexical thread
    for mode in (Mode.hybrid, Mode.dense):
        service.ask(q, 10, mode)
try:
    from parallax.threads import query_budget
    threads = query_budget().describe()
except ImportError:  # code from before the thread budget
    threads = "library defaults"
print(json.dumps({"ready": True, "threads": threads}), flush=True)
for line in sys.stdin:
    mode = Mode(line.strip())
    times = []
    for q in questions:
        start = time.perf_counter()
        service.ask(q, 10, mode)
        times.append(time.perf_counter() - start)
    print(json.dumps(times), flush=True)
"""


def load_questions(path: Path, limit: int) -> list[str]:
    if path.is_dir():  # a BEIR folder: its test questions
        qrels = path / "qrels" / "test.tsv"
        judged = {line.split("\t")[0] for line in qrels.read_text().splitlines()[1:]}
        rows = [json.loads(line) for line in (path / "queries.jsonl").read_text().splitlines()]
        questions = [r["text"] for r in rows if r["_id"] in judged]
    else:  # one question per line, or our JSONL question files
        questions = []
        for line in path.read_text().splitlines():
            line = line.strip()
            if line:
                questions.append(json.loads(line)["question"] if line.startswith("{") else line)
    return questions[:limit] if limit else questions


def export_rev(rev: str, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


class Child:
    def __init__(self, label: str, code: Path, index: Path, questions: list[str]) -> None:
        env = dict(os.environ, PYTHONPATH=str(code))
        self.label = label
        self.process = subprocess.Popen([sys.executable, "-c", CHILD, str(index)], cwd=code,
                                        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self._send(json.dumps(questions))
        self.threads = json.loads(self._read())["threads"]

    def run(self, mode: str) -> list[float]:
        self._send(mode)
        return json.loads(self._read())

    def close(self) -> None:
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait(timeout=60)

    def _send(self, line: str) -> None:
        self.process.stdin.write(line + "\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]

    def _read(self) -> str:
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise SystemExit(f"{self.label}: the answering process ended early")
        return line


class Load:
    """`n` processes spinning on the CPU until stopped."""

    def __init__(self, n: int) -> None:
        self.processes = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                          for _ in range(n)]
        time.sleep(2)  # let the scheduler see them

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def percentiles(times: list[float]) -> tuple[float, float, float]:
    ms = sorted(t * 1000 for t in times)
    pick = lambda q: ms[min(len(ms) - 1, int(round(q * (len(ms) - 1))))]  # noqa: E731
    return statistics.median(ms), pick(0.95), pick(0.99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=SCIFACT,
                        help="a BEIR folder (its test questions), a JSONL question file or a "
                             "text file of one question per line")
    parser.add_argument("--limit", type=int, default=0, help="use the first N questions")
    parser.add_argument("--modes", default="hybrid,dense")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--load-processes", type=int, default=0,
                        help="spinning processes of the busy phase [default: the cores]")
    parser.add_argument("--compare-rev", help="also run the code of this git revision")
    parser.add_argument("--json", type=Path, help="write every latency here")
    args = parser.parse_args()

    questions = load_questions(args.questions, args.limit)
    cores = len(os.sched_getaffinity(0))
    spinners = args.load_processes or cores
    print(f"machine: {platform.machine()} {cpu_name()}, {cores} cores available, "
          f"Python {platform.python_version()}; {len(questions)} questions, index {args.index}")
    with tempfile.TemporaryDirectory() as tmp:
        codes = [("this tree", ROOT)]
        if args.compare_rev:
            codes.insert(0, (args.compare_rev, export_rev(args.compare_rev, Path(tmp) / "rev")))
        children = [Child(label, code, args.index, questions) for label, code in codes]
        for child in children:
            print(f"  {child.label}: {child.threads}")
        results: dict[tuple[str, str, str], list[float]] = {}
        loads: dict[str, list[str]] = {"idle": [], "busy": []}
        try:
            for number in range(args.rounds):
                for phase in ("idle", "busy"):
                    load = Load(spinners) if phase == "busy" else None
                    before = loadavg()
                    try:
                        for mode in args.modes.split(","):
                            for child in children:
                                results.setdefault((child.label, mode, phase), []).extend(
                                    child.run(mode))
                    finally:
                        if load:
                            load.stop()
                    loads[phase].append(f"{before} -> {loadavg()}")
                    print(f"  round {number + 1}, {phase}: load average {loads[phase][-1]}",
                          flush=True)
                    if phase == "busy":
                        time.sleep(5)  # let the spinners' load fade a little
        finally:
            for child in children:
                child.close()
    print(f"\nbusy = {spinners} processes spinning beside the questions\n")
    print("| code | mode | load | p50 ms | p95 ms | p99 ms | p95/p50 |")
    print("|---|---|---|---|---|---|---|")
    for (label, mode, phase), times in results.items():
        p50, p95, p99 = percentiles(times)
        print(f"| {label} | {mode} | {phase} | {p50:.1f} | {p95:.1f} | {p99:.1f} "
              f"| {p95 / p50:.2f} |")
    for mode in args.modes.split(","):
        for label, _ in codes:
            idle = results.get((label, mode, "idle"))
            busy = results.get((label, mode, "busy"))
            if idle and busy:
                print(f"{label}, {mode}: busy p50 / idle p50 = "
                      f"{statistics.median(busy) / statistics.median(idle):.2f}")
    if args.json:
        args.json.write_text(json.dumps({"loads": loads, "results": [
            {"code": k[0], "mode": k[1], "load": k[2], "seconds": v}
            for k, v in results.items()]}))


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
