"""Speed on the sample corpus: index time, cold `ask` wall time, warm query latency.

    .venv/bin/python benchmarks/bench_sample.py [--corpus DIR] [--repeat N]

Not a test: timings depend on the machine. Quote its output with the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "corpus" / "china-us"
QUESTIONS = ROOT / "evals" / "china-us.jsonl"
PARALLAX = [sys.executable, "-m", "parallax.cli"]


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def warm_latencies(index: Path, repeat: int) -> dict[str, list[float]]:
    from indexes import Mode
    from parallax.evaluation.retrieval import load_questions
    from parallax.search.ask import ask
    from parallax.session import Session

    questions = [q.question for q in load_questions(QUESTIONS)]
    timings: dict[str, list[float]] = {}
    with Session(index) as session:
        ask(session, "warm-up", 5, Mode.hybrid)  # loads the model once
        for mode in Mode:
            timings[mode.value] = []
            for _ in range(repeat):
                for question in questions:
                    start = time.perf_counter()
                    ask(session, question, 5, mode)
                    timings[mode.value].append(time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        build = wall([*PARALLAX, "index", str(args.corpus), "--index", str(index)])
        print(f"index {args.corpus.name} (cold process, model load included): {build:.2f} s")
        unchanged = wall([*PARALLAX, "index", str(args.corpus), "--index", str(index)])
        print(f"re-index, nothing changed:                       {unchanged:.2f} s")
        for mode in ("hybrid", "lexical"):
            runs = [wall([*PARALLAX, "ask", "What did China say about Taiwan?", "--mode", mode,
                          "--index", str(index)]) for _ in range(args.repeat)]
            print(f"cold `ask --mode {mode}` wall time (median of {args.repeat}):"
                  f" {statistics.median(runs):.2f} s")
        for mode, times in warm_latencies(index, args.repeat).items():
            ms = sorted(t * 1000 for t in times)
            print(f"warm `ask` {mode:<8} median {statistics.median(ms):6.1f} ms   "
                  f"p95 {ms[int(len(ms) * 0.95) - 1]:6.1f} ms   ({len(ms)} queries)")


if __name__ == "__main__":
    main()
