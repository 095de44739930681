"""`parallax eval` end to end on a BEIR dataset: wall time of indexing and of ranking every
judged query in each mode, with the metrics, in a fresh process and a fresh index.

    .venv/bin/python benchmarks/bench_eval.py [DATASET_DIR] [--ignore-identical-ids]

Default dataset: ../shared/datasets/scifact. Not a test: timings depend on the machine (and
on what else runs on it). Quote the output with the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", nargs="?", type=Path, default=SCIFACT)
    parser.add_argument("--ignore-identical-ids", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        parallax = str(Path(sys.executable).parent / "parallax")
        command = [parallax, "eval", str(args.dataset), "--json",
                   "--index", str(Path(scratch) / "index")]
        if args.ignore_identical_ids:
            command.append("--ignore-identical-ids")
        start = time.perf_counter()
        done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        total = time.perf_counter() - start
    report = json.loads(done.stdout)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"dataset: {args.dataset} ({report['queries']} queries, "
          f"{report['documents']} documents)")
    print(f"end to end: {total:.1f} s (wall, including model load and indexing)")
    for stage, seconds in report["seconds"].items():
        print(f"  {stage}: {seconds:.1f} s")
    for mode, metrics in report["modes"].items():
        values = "  ".join(f"{name} {value:.4f}" for name, value in metrics.items())
        print(f"{mode:8} {values}")


if __name__ == "__main__":
    main()
