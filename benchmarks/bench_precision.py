"""Which precision the one copy of the vectors is kept at: quality and size of each.

    .venv/bin/python benchmarks/bench_precision.py DATASET_DIR --index BUILT
        [--precisions f32,f16,sq8] [--ignore-identical-ids]

BUILT is an index of the dataset that `parallax eval DATASET_DIR --index BUILT` built (with
float32 vectors: `PARALLAX_VECTORS=f32`, or any index from before sq8). For each precision
it copies the index, rewrites its vectors at that precision the way `parallax index
--compact` does (the store's merge: the same passages, units and float32 vectors read back,
written again), then runs `parallax eval` on the copy: the same questions, the same question
vectors, only the stored vectors differ. Prints nDCG@10 per mode and the bytes per passage
of each copy (`parallax check --sizes`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rewrite(index_dir: Path, precision: str) -> float:
    """Rewrite every segment's vectors at `precision`; seconds taken."""
    sys.path.insert(0, str(ROOT))
    from indexes import GenerationWriter, IndexReader
    from indexes.store_settings import StoreSettings

    start = time.perf_counter()
    store = replace(StoreSettings.from_env(), precision=precision)
    with IndexReader(index_dir) as reader:
        writer = GenerationWriter(index_dir, reader.manifest, None, base=reader, store=store)
        try:
            writer.merge(list(reader.segments))
            writer.commit()
        except BaseException:
            writer.abort()
            raise
    return time.perf_counter() - start


def evaluate(dataset: Path, index_dir: Path, precision: str, extra: list[str]) -> dict:
    env = dict(os.environ, PARALLAX_VECTORS=precision, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "parallax", "eval", str(dataset), "--index",
                           str(index_dir), "--json", *extra], env=env, capture_output=True,
                          text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"eval failed at {precision}: {done.stderr[-500:]}")
    report = json.loads(done.stdout)
    if report.get("index_built"):
        raise SystemExit(f"eval rebuilt the index at {precision}: the copy was not reused")
    return report


def sizes(index_dir: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "parallax", "check", "--sizes", "--json",
                           "--index", str(index_dir)], env=dict(os.environ,
                                                                PYTHONPATH=str(ROOT)),
                          capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout)


def ndcg(report: dict) -> dict[str, float]:
    metrics = report.get("metrics", report.get("modes", {}))
    out = {}
    for mode, values in metrics.items():
        for key, value in values.items():
            if key.lower().replace("_", "").startswith("ndcg@10") or key == "nDCG@10":
                out[mode] = value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--precisions", default="f32,f16,sq8")
    parser.add_argument("--ignore-identical-ids", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the copies under this folder")
    args = parser.parse_args()
    extra = ["--ignore-identical-ids"] if args.ignore_identical_ids else []
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        where = args.keep or Path(tmp)
        rows = []
        for precision in args.precisions.split(","):
            copy = where / f"{args.dataset.name}-{precision}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(args.index, copy, symlinks=True)
            seconds = rewrite(copy, precision)
            report = evaluate(args.dataset, copy, precision, extra)
            size = sizes(copy)
            rows.append((precision, ndcg(report), size, seconds))
            print(f"{precision}: nDCG@10 {ndcg(report)}; {size['bytes'] / 1e6:.1f} MB, "
                  f"{size['bytes_per_passage']:,} bytes per passage (rewritten in "
                  f"{seconds:.1f} s)", flush=True)
    modes = list(rows[0][1])
    print("\n| precision | " + " | ".join(f"nDCG@10 {m}" for m in modes)
          + " | index on disk | bytes per passage |")
    print("|---|" + "---|" * (len(modes) + 2))
    for precision, scores, size, _ in rows:
        print(f"| {precision} | " + " | ".join(f"{scores[m]:.4f}" for m in modes)
              + f" | {size['bytes'] / 1e6:.1f} MB | {size['bytes_per_passage']:,} |")


if __name__ == "__main__":
    main()
