"""One very large document: wall time, peak resident memory and progress lines of
`parallax index` on a single text file of N MB made from the sample corpus's paragraphs.

    .venv/bin/python benchmarks/bench_large_file.py --megabytes 50
    .venv/bin/python benchmarks/bench_large_file.py --megabytes 2 --interrupt-after 60

Memory must stay bounded (issue: a 50 MB file once took 1.9 GB); progress must reach a
piped stderr every few seconds. With --interrupt-after S: a Ctrl-C (SIGINT) S seconds into
embedding, what it said and lost (passages embedded by then and not saved), then the run
that resumes, and how its index compares with one built without interruption (the same
passages; worst cosine between the two vectors of a unit).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import signal
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
    parser.add_argument("--interrupt-after", type=float, default=None, metavar="SECONDS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "docs" / "big.txt"
        big.parent.mkdir()
        paragraphs = make_file(big, args.megabytes)
        print(f"file: {args.megabytes:g} MB, {paragraphs} paragraphs; load "
              f"{open('/proc/loadavg').read().split()[0]}")
        if args.interrupt_after is not None:
            interrupted(big.parent, Path(tmp), args.interrupt_after)
            return
        began = time.monotonic()
        run = subprocess.run(_index(big.parent, Path(tmp) / "index"),
                             capture_output=True, text=True, env={**os.environ})
        seconds = time.monotonic() - began
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    progress = [line for line in run.stderr.splitlines() if line.startswith("Embedding:")]
    print(f"exit code {run.returncode}")
    print(f"index: {seconds:.1f} s, peak resident memory {peak_mb:.0f} MB")
    print(f"progress lines on piped stderr: {len(progress)}"
          f" (about one per {seconds / max(1, len(progress)):.1f} s)")
    if run.returncode:
        print(run.stderr[-2000:])


def _index(docs: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "parallax", "index", str(docs), "--index", str(index)]


def interrupted(docs: Path, tmp: Path, after: float) -> None:
    """Ctrl-C `after` seconds into embedding; the resuming run; the index against a fresh
    one."""
    index = tmp / "index"
    began = time.monotonic()
    process = subprocess.Popen(_index(docs, index), stderr=subprocess.PIPE, text=True,
                               stdout=subprocess.DEVNULL, env={**os.environ, "COLUMNS": "200"},
                               preexec_fn=_interruptible)
    assert process.stderr is not None
    done, embedding = 0, None
    for line in process.stderr:
        if line.startswith("Embedding:"):
            embedding = embedding or time.monotonic()
            done = int(line.split()[1].split("/")[0])
            if time.monotonic() - embedding >= after:
                break
    process.send_signal(signal.SIGINT)
    said = process.communicate()[1].strip().splitlines()
    interrupted_at = time.monotonic() - (embedding or began)
    message = next((line for line in said if line.startswith("Error:")), said[-1:])
    saved = re.search(r"([\d,]+) of ([\d,]+) passages", str(message))
    kept = int(saved.group(1).replace(",", "")) if saved else 0
    print(f"Ctrl-C {interrupted_at:.0f} s into embedding, {done} passages embedded by the last "
          f"progress line; exit code {process.returncode}")
    print(f"  said: {message}")
    print(f"  kept {kept} passages; lost {max(0, done - kept)} passages embedded by the last "
          "progress line (and those of the batch in flight)")
    resumed, resumed_seconds, resumed_cpu = _timed(_index(docs, index))
    print(f"resuming run: {resumed_seconds:.1f} s wall, {resumed_cpu:.1f} s CPU, exit code "
          f"{resumed.returncode}; {_detail(resumed.stdout)}")
    fresh, fresh_seconds, fresh_cpu = _timed(_index(docs, tmp / "fresh"))
    print(f"uninterrupted run: {fresh_seconds:.1f} s wall, {fresh_cpu:.1f} s CPU, exit code "
          f"{fresh.returncode}")
    print(compare(tmp / "fresh", index))


def _interruptible() -> None:
    # A program started in the background by a shell without job control ignores SIGINT,
    # and so would the run: a Ctrl-C is what is measured.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _timed(command: list[str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    run = subprocess.run(command, capture_output=True, text=True, env={**os.environ})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return run, time.monotonic() - began, cpu


def _detail(stdout: str) -> str:
    return next((line.strip() for line in stdout.splitlines() if "interrupted run" in line),
                "nothing resumed")


def compare(expected: Path, actual: Path) -> str:
    """Passages equal? The worst cosine between a unit's two vectors."""
    import numpy as np

    from indexes import IndexReader

    with IndexReader(expected) as a, IndexReader(actual) as b:
        (doc_a,), (doc_b,) = list(a.documents()), list(b.documents())
        passages_a, passages_b = a.passages_of(doc_a.rowid), b.passages_of(doc_b.rowid)
        same = [(p.text, p.context) for p in passages_a] == \
            [(p.text, p.context) for p in passages_b]
        worst, units = 1.0, 0
        for pa, pb in zip(passages_a, passages_b, strict=True):
            (ua, sa), (ub, sb) = a.windows_of(pa.rowid), b.windows_of(pb.rowid)
            same = same and sa == sb
            va, vb = a.vectors(ua), b.vectors(ub)
            cosines = (va * vb).sum(1) / (np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1))
            worst, units = min(worst, float(cosines.min())), units + len(ua)
    return (f"resumed index against the uninterrupted one: passages and spans "
            f"{'equal' if same else 'DIFFER'}; {units} units, worst cosine {worst:.6f}")


if __name__ == "__main__":
    main()
