"""Recall of the approximate backend on real embeddings (issue 10, acceptance 2 and 3).

    .venv/bin/python benchmarks/bench_recall.py --index DIR --queries QUERIES.jsonl
                                                [--nprobe 0] [--k 10] [--limit 1000]

The scale benchmark's stand-in vectors are signed word hashes: close to uniformly spread,
the hardest case for an IVF index (no clusters to find). This measures the same thing on
an index built with the real model (for example the one `parallax eval` keeps for SciFact
or ArguAna, see `parallax eval --help`): it reads the index's own vectors, builds the
approximate store on them exactly as a large segment is built (indexes/vectors/ivfpq.py), and
compares its top `k` passages with exact search for the dataset's queries, embedded with
the index's model. Nothing in the index is changed; the approximate store is built in a
temporary folder.

With --dataset (the BEIR folder the index was built from by `parallax eval`), nDCG@10 of
every mode is also computed twice in one process, with the index's own (flat) store and
with the approximate store in its place: the quality the approximate backend would give
without embedding the corpus again.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True, help="BEIR queries.jsonl")
    parser.add_argument("--nprobe", type=int, default=0, help="0: the default for the size")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--limit", type=int, default=1000, help="queries used at most")
    parser.add_argument("--dataset", type=Path, help="BEIR folder: also nDCG@10, flat vs "
                        "approximate (an index of one segment, as `parallax eval` builds)")
    parser.add_argument("--ignore-identical-ids", action="store_true", help="as parallax eval")
    args = parser.parse_args()

    from embed import load_query_encoder
    from indexes.reader import IndexReader
    from indexes.vectors.ivfpq import ApproximateStore, approximate_params, build_approximate

    with IndexReader(args.index.resolve()) as reader:
        vectors = np.concatenate([s.dense.rows(0, s.dense.count) for s in reader.segments])
        units = np.concatenate([np.asarray(s.unit_passages) for s in reader.segments])
        model = reader.manifest.model
    texts = [json.loads(line)["text"] for line in args.queries.open(encoding="utf-8")]
    texts = texts[:args.limit]
    encoder = load_query_encoder(model)
    queries = encoder.encode(texts)
    params = approximate_params(len(vectors), vectors.shape[1])
    with tempfile.TemporaryDirectory() as tmp:
        exact_path = Path(tmp) / "vectors.f16.npy"
        np.save(exact_path, vectors.astype(np.float16))
        start = time.perf_counter()
        build_approximate(np.load(exact_path, mmap_mode="r"), Path(tmp) / "dense.ivfpq", params)
        built = time.perf_counter() - start
        store = ApproximateStore(Path(tmp) / "dense.ivfpq", exact_path, params)
        exact16 = np.load(exact_path).astype(np.float32)
        recalls, times = [], []
        for query in queries:
            truth = _passages(*_exact(exact16, query, args.k * 40), units, args.k)
            start = time.perf_counter()
            fetch = args.k * 4  # more units until k passages, as indexes.query.dense does
            while True:
                ids, scores = store.search(query, fetch, nprobe=args.nprobe or None)
                got = _passages(ids, scores, units, args.k)
                if len(got) >= args.k or len(ids) < fetch:
                    break
                fetch *= 4
            times.append(time.perf_counter() - start)
            floor = truth[-1][1] - 1e-6  # a passage scoring as well as the exact k-th is as right
            recalls.append(sum(score >= floor for _, score in got) / len(truth))
        if args.dataset:
            ndcg = _ndcg_both_ways(args, store)
    print(f"index {args.index} ({model}): {len(vectors):,} units, "
          f"{len(np.unique(units)):,} passages; approximate store {params.layout}, "
          f"nprobe {args.nprobe or params.nprobe}, built in {built:.1f} s")
    print(f"dense recall@{args.k} (passages) over {len(queries)} queries: "
          f"{np.mean(recalls):.4f}; search p50 {np.median(times) * 1000:.2f} ms")
    if args.dataset:
        for mode, (flat, approximate) in ndcg.items():
            print(f"nDCG@10 {mode:<8} flat {flat:.4f}  approximate {approximate:.4f}  "
                  f"({approximate - flat:+.4f})")


def _ndcg_both_ways(args: argparse.Namespace, store: object) -> dict[str, tuple[float, float]]:
    from indexes import Mode
    from parallax.evaluation.beir import load_dataset
    from parallax.evaluation.retrieval import evaluate_dataset
    from parallax.session import Session

    dataset = load_dataset(args.dataset)
    modes = [Mode.dense, Mode.lexical, Mode.hybrid]
    figures = {}
    with Session(args.index.resolve()) as session:
        if len(session.reader.segments) != 1:
            raise SystemExit("--dataset needs an index of one segment (as parallax eval builds)")
        for label in ("flat", "approximate"):
            if label == "approximate":
                session.reader.segments[0]._dense = store  # the same units, ids and order
            result = evaluate_dataset(session, dataset, modes,
                                      ignore_identical_ids=args.ignore_identical_ids)
            figures[label] = {m: v["ndcg@10"] for m, v in result.modes.items()}
    return {m: (figures["flat"][m], figures["approximate"][m]) for m in figures["flat"]}


def _exact(vectors: np.ndarray, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    scores = vectors @ query
    top = np.argpartition(-scores, min(n, len(scores) - 1))[:n]
    order = top[np.argsort(-scores[top], kind="stable")]
    return order, scores[order]


def _passages(ids: np.ndarray, scores: np.ndarray, units: np.ndarray,
              k: int) -> list[tuple[int, float]]:
    """The best `k` passages, as dense search ranks them (a passage scores as its best unit)."""
    from indexes.query.dense import best_per_passage

    return best_per_passage(units[ids], scores)[:k]


if __name__ == "__main__":
    main()
