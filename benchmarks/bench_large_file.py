"""One very large document: wall time, peak resident memory and progress lines of
`parallax index` on a single text file of N MB made from the sample corpus's paragraphs.

    .venv/bin/python benchmarks/bench_large_file.py --megabytes 50

Memory must stay bounded (issue: a 50 MB file once took 1.9 GB); progress must reach a
piped stderr every few seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "corpus" / "china-us"


def make_file(path: Path, megabytes: float) -> int:
    paragraphs = [p.strip() for f in sorted(SAMPLE.glob("*.txt"))
                  for p in f.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 80]
    target, written, number = int(megabytes * 1_000_000), 0, 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            # Numbered, so that passages differ and nothing is deduplicated away.
            text = f"{paragraphs[number % len(paragraphs)]} (No. {number})\n\n"
            out.write(text)
            written += len(text.encode())
            number += 1
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=50.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "docs" / "big.txt"
        big.parent.mkdir()
        paragraphs = make_file(big, args.megabytes)
        began = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "parallax", "index", str(big.parent),
                              "--index", str(Path(tmp) / "index")],
                             capture_output=True, text=True, env={**os.environ})
        seconds = time.monotonic() - began
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    progress = [line for line in run.stderr.splitlines() if line.startswith("Embedding:")]
    print(f"file: {args.megabytes:g} MB, {paragraphs} paragraphs; exit code {run.returncode}")
    print(f"index: {seconds:.1f} s, peak resident memory {peak_mb:.0f} MB")
    print(f"progress lines on piped stderr: {len(progress)}"
          f" (about one per {seconds / max(1, len(progress)):.1f} s)")
    if run.returncode:
        print(run.stderr[-2000:])


if __name__ == "__main__":
    main()
