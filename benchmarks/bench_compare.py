"""Speed of `parallax compare` on the sample corpus: warm (model loaded, as after a first
query) per topic and mode, and a whole cold process.

    .venv/bin/python benchmarks/bench_compare.py [--index DIR] [--repeat N]

Without --index the sample corpus is indexed into a temporary folder first. The topics are
those of evals/compare-topics.jsonl. Not a test: timings depend on the machine. Quote its
output with the machine it ran on.
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
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT.parent / "shared" / "corpus" / "china-us"
TOPICS = ROOT / "evals" / "compare-topics.jsonl"
PARALLAX = [sys.executable, "-m", "parallax.cli"]
BUDGET = 3.0  # seconds, the bound for a warm compare on the sample corpus


def warm_timings(index: Path, topics: list[str], repeat: int) -> dict[str, list[float]]:
    from indexes import Mode
    from parallax.session import Session
    from parallax.stance.compare import compare
    from parallax.stance.render import comparison_json, comparison_markdown, comparison_view

    timings: dict[str, list[float]] = {}
    with Session(index) as session:
        compare(session, "warm-up", Mode.hybrid)  # loads the model once
        for mode in Mode:
            timings[mode.value] = []
            for _ in range(repeat):
                for topic in topics:
                    start = time.perf_counter()
                    found = compare(session, topic, mode)
                    comparison_json(found), comparison_markdown(found), comparison_view(found)
                    timings[mode.value].append(time.perf_counter() - start)
    return timings


def cold(index: Path, mode: str) -> float:
    start = time.perf_counter()
    subprocess.run([*PARALLAX, "compare", "the Taiwan question", "--mode", mode, "--index",
                    str(index)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="an index of the sample corpus")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    topics = [json.loads(line)["topic"] for line in TOPICS.read_text(encoding="utf-8")
              .splitlines() if line.strip()]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if index is None:
            index = Path(tmp) / "index"
            subprocess.run([*PARALLAX, "index", str(SAMPLE), "--index", str(index)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for mode, times in warm_timings(index, topics, args.repeat).items():
            print(f"warm compare {mode:<8} median {statistics.median(times):.2f} s   "
                  f"max {max(times):.2f} s   ({len(times)} runs of {len(topics)} topics; "
                  f"{sum(t >= BUDGET for t in times)} over {BUDGET:g} s)")
        for mode in ("hybrid", "lexical"):
            runs = [cold(index, mode) for _ in range(args.repeat)]
            print(f"cold `parallax compare --mode {mode}` (new process, model load "
                  f"included): median {statistics.median(runs):.2f} s")


if __name__ == "__main__":
    main()
