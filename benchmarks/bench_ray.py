"""`parallax index --engine ray` against the local engine (issue 12, acceptance 4), on this
machine, with the real model.

    .venv/bin/python benchmarks/bench_ray.py                # 300 SciFact abstracts
    .venv/bin/python benchmarks/bench_ray.py --documents 1000 --repeat 3

It writes N SciFact abstracts (title, blank line, abstract) as .txt files, starts one local
Ray instance with this machine's CPUs (its start is timed on its own), then indexes them into
fresh indexes, in this one process, one run after the other (--repeat: rounds of all four,
interleaved, the median shown):
1. the local engine (default);
2. Ray with 1 worker (holding every CPU) and with 2 workers (one CPU each), documents
   shipped in the task payload (the default);
3. Ray, 2 workers, documents read by the workers from the (here trivially shared) path;
then prints the payload of both ways of sending documents: bytes per batch, pickling time.

For each run: wall time of build_index (Ray start excluded, model load by the workers
included), of its embedding stage (first to last passage), documents/s and passages/s over
both, and the overhead (everything but embedding). Every Ray index is checked against the
local one: same passages, vectors within cosine 0.9999.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact" / "corpus.jsonl"
sys.path.insert(0, str(ROOT))

from indexes import IndexReader  # noqa: E402
from parallax.indexing import (  # noqa: E402
    DocumentToEmbed,
    IndexProgress,
    batching,
    build_index,
)


class Clock(IndexProgress):
    def __init__(self) -> None:
        self.began = time.perf_counter()
        self.embedding: list[float] = []
        self.stage = ""

    def started(self, stage: str, total: int, unit: str) -> None:
        self.stage = stage
        if stage == "Embedding":
            self.embedding = [time.perf_counter()]

    def finished(self) -> None:
        if self.stage == "Embedding":
            self.embedding.append(time.perf_counter())


def write_corpus(folder: Path, count: int) -> None:
    with SCIFACT.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if number == count:
                break
            record = json.loads(line)
            (folder / f"{record['_id']}.txt").write_text(
                f"{record['title']}\n\n{record['text']}\n", encoding="utf-8")


def run(name: str, folder: Path, index: Path, engine: object | None) -> dict:
    clock = Clock()
    began = time.perf_counter()
    report = build_index([folder], index, engine=engine, progress=clock)  # type: ignore[arg-type]
    wall = time.perf_counter() - began
    embed = clock.embedding[1] - clock.embedding[0]
    docs, passages = report.counts["documents"], report.counts["passages"]
    return {"run": name, "wall": wall, "embed": embed, "docs": docs, "passages": passages,
            "overhead": wall - embed, "precision": report.precision}


def worst_cosine(local: Path, other: Path) -> float:
    with IndexReader(local) as a, IndexReader(other) as b:
        units = np.arange(a.manifest.counts["windows"])
        va, vb = a.vectors(units), b.vectors(units)
        assert a.manifest.counts == b.manifest.counts
    cos = (va * vb).sum(1) / (np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1))
    return float(cos.min())


def payloads(folder: Path) -> list[str]:
    """Bytes and pickling time of every batch's payload, both ways of sending documents."""
    from parallax.indexing.engines.ray import RayEngine

    docs = [DocumentToEmbed(__import__("corpus").load_document(p), folder, "none")
            for p in sorted(folder.glob("*.txt"))]
    batches = list(batching.batches(docs, batching.BATCH_PASSAGES))
    lines = []
    for mode in ("ship", "shared"):
        engine = RayEngine(documents=mode)
        began = time.perf_counter()
        sizes = [len(pickle.dumps(engine.payload(docs, b), protocol=5)) for b in batches]
        took = time.perf_counter() - began
        lines.append(f"  {mode:<7} {len(batches)} batches of ≤{batching.BATCH_PASSAGES} "
                     f"passages: {sum(sizes) / len(sizes) / 1024:.1f} KiB per batch, "
                     f"{sum(sizes) / 1024:.0f} KiB in all, pickled in {took * 1000:.0f} ms")
    return lines


class StandIn:
    """The real encoder's tokenizer and dimension, and instant vectors: what is left is the
    driver's work (reading, parsing, units, writing, publishing), the ceiling of scaling."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.name, self.dimension = real.name, real.dimension  # type: ignore[attr-defined]
        self.max_tokens = getattr(real, "max_tokens", 256)

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return self.real.token_offsets(text)  # type: ignore[attr-defined]

    def encode(self, texts: list[str], progress: object = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        out[:, 0] = 1.0
        return out


def driver_ceiling(folder: Path, index: Path) -> dict:
    from embed import load_encoder

    stand_in = StandIn(load_encoder())
    clock = Clock()
    began = time.perf_counter()
    report = build_index([folder], index, encoder_loader=lambda name: stand_in, progress=clock)
    wall = time.perf_counter() - began
    return {"wall": wall, "passages": report.counts["passages"],
            "docs": report.counts["documents"]}


def median_row(runs: list[dict]) -> dict:
    ordered = sorted(runs, key=lambda r: r["wall"])
    return ordered[len(ordered) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every run, interleaved; the median round is shown")
    args = parser.parse_args()
    import ray

    from parallax.indexing.engines.ray import RayEngine

    cpus = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    configs = [("local engine", None, ""), ("ray, 1 worker", 1, "ship"),
               ("ray, 2 workers", 2, "ship"), ("ray, 2 workers, shared path", 2, "shared")]
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in configs}
    checks: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scifact"
        folder.mkdir()
        write_corpus(folder, args.documents)
        began = time.perf_counter()
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False,
                 logging_level="ERROR")
        ray_start = time.perf_counter() - began
        for round_ in range(args.repeat):
            for name, workers, documents in configs:
                index = Path(tmp) / f"{round_}-{name.replace(' ', '_').replace(',', '')}"
                if workers is None:
                    runs[name].append(run(name, folder, index, None))
                    local = index
                    continue
                with RayEngine(workers=workers, documents=documents) as engine:
                    runs[name].append(run(name, folder, index, engine))
                checks[name] = min(checks.get(name, 1.0), worst_cosine(local, index))
        ray.shutdown()
        lines = payloads(folder)
        ceiling = driver_ceiling(folder, Path(tmp) / "stand-in")
    rows = [median_row(runs[name]) for name, _, _ in configs]

    print(f"machine: {cpus} CPUs; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after (other work slows every figure); Ray "
          f"{ray.__version__}; {args.documents} SciFact abstracts; embedding path "
          f"{rows[0]['precision']}; {args.repeat} round(s), median shown; Ray start (local "
          f"instance) {ray_start:.1f} s")
    print()
    print("| run | wall s | embedding s | docs/s (wall) | passages/s (wall) | "
          "passages/s (embedding) | overhead s | min cosine to local |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        cosine = checks.get(row["run"])
        print(f"| {row['run']} | {row['wall']:.1f} | {row['embed']:.1f} | "
              f"{row['docs'] / row['wall']:.1f} | {row['passages'] / row['wall']:.1f} | "
              f"{row['passages'] / row['embed']:.1f} | {row['overhead']:.1f} | "
              f"{'—' if cosine is None else f'{cosine:.6f}'} |")
    if args.repeat > 1:
        print()
        for name, _, _ in configs:
            print(f"{name}: wall s of each round " + ", ".join(f"{r['wall']:.1f}"
                                                              for r in runs[name]))
    local_row = rows[0]
    print()
    for row in rows[1:]:
        print(f"{row['run']}: {row['wall'] / local_row['wall']:.2f}× the local wall time "
              f"({row['wall'] - local_row['wall']:+.1f} s; + {ray_start:.1f} s to start Ray "
              "when no cluster is given)")
    print()
    print(f"the driver alone (instant stand-in vectors; reading, parsing, units, writing, "
          f"publishing): {ceiling['wall']:.1f} s, {ceiling['docs'] / ceiling['wall']:.0f} "
          f"docs/s, {ceiling['passages'] / ceiling['wall']:.0f} passages/s: the most any "
          "number of workers can reach with one driver like this one")
    print()
    print("payload per batch (what the driver sends to a worker):")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
