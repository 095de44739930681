"""Store costs at scale, embedding excluded: build, incremental update, unchanged re-index
and query latency over a synthetic corpus, with a cheap deterministic stand-in encoder.

    .venv/bin/python benchmarks/bench_store.py [--documents 2000]

Embedding dominates real indexing (see bench_sample.py); this isolates what the index layer
(SQLite, FTS5, FAISS, generations) adds as a collection grows.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from indexes import Filters, Mode
from parallax.indexing import build_index
from parallax.search.ask import ask
from parallax.session import Session


class HashEncoder:
    """Bag-of-words vectors from word hashes: costs microseconds, ranks sensibly."""

    name = "hash-encoder"
    max_tokens = 128
    dimension = 384

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        offsets, start = [], 0
        for word in text.split():
            start = text.index(word, start)
            offsets.append((start, start + len(word)))
            start += len(word)
        return offsets

    def encode(self, texts, progress=None) -> np.ndarray:  # noqa: ANN001
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, hash(word) % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def timed(action) -> float:  # noqa: ANN001
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=2000)
    args = parser.parse_args()
    random.seed(0)
    words = [f"w{i}" for i in range(5000)]
    encoder = HashEncoder()
    load = lambda name: encoder  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        for i in range(args.documents):
            paragraphs = [" ".join(random.choices(words, k=60)).capitalize() + "."
                          for _ in range(8)]
            (corpus / f"d{i:05d}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
        built = timed(lambda: build_index([corpus], index, encoder_loader=load))
        (corpus / "d00001.txt").write_text("One edited document. It has two sentences.")
        update = timed(lambda: build_index([corpus], index, encoder_loader=load))
        unchanged = timed(lambda: build_index([corpus], index, encoder_loader=load))
        with Session(index, encoder_loader=load) as session:
            counts = session.reader.manifest.counts
            ask(session, "w1 w2", 5, Mode.hybrid)  # loads FAISS
            hybrid = [timed(lambda i=i: ask(session, f"w{i} w{i + 1} w{i + 2}", 5, Mode.hybrid))
                      for i in range(30)]
            filtered = [timed(lambda i=i: ask(session, f"w{i} w{i + 1}", 5, Mode.hybrid,
                                          Filters(source="d0001*"))) for i in range(30)]
    print(f"{counts['documents']} documents, {counts['passages']} passages, "
          f"{counts['windows']} embedded units")
    print(f"build (stand-in encoder):        {built:6.2f} s")
    print(f"re-index after one edit:         {update:6.2f} s")
    print(f"re-index, nothing changed:       {unchanged:6.2f} s")
    print(f"warm hybrid ask, median:         {statistics.median(hybrid) * 1000:6.1f} ms")
    print(f"warm hybrid ask with --source:   {statistics.median(filtered) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
