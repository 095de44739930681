"""How closely bench_scale's stand-in vectors follow the real model's (issue 10).

    .venv/bin/python benchmarks/check_stand_in.py [--work /tmp/parallax-scale] [--passages 3000]

Makes passages as the scale corpus does (3-6 consecutive sentences of the pool), embeds them
with the real default model, and with each stand-in: the sentence stand-in (the real model's
vectors of the pool sentences, summed; cached under --work by bench_scale.py, made here if
missing) and signed word hashes. For each it prints the cosines of random pairs of passages
(their spread, and their rank correlation with the real model's), the cosine of each
passage's stand-in vector to its real vector, and how many of the real model's 10 nearest
passages to a benchmark question the stand-in also ranks in its 10 nearest (the question
embedded by the real model in both cases, as the benchmark does). About 3 minutes on 2 cores
once the sentence vectors are cached.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_scale  # noqa: E402
import scale_corpus  # noqa: E402


def top10_agreement(vectors: np.ndarray, real: np.ndarray, questions: np.ndarray) -> float:
    mine = np.argsort(-(questions @ vectors.T), axis=1)[:, :10]
    truth = np.argsort(-(questions @ real.T), axis=1)[:, :10]
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(mine, truth, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("/tmp/parallax-scale"))
    parser.add_argument("--passages", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from scipy.stats import spearmanr

    from embed import load_encoder

    folder = args.work.resolve() / "stand-in-sentences"
    asked = bench_scale.questions(200, args.seed)
    if not (folder / "sentences.npy").exists():
        print("embedding the sentence pool with the real model (once, about 12 minutes)...",
              flush=True)
        job = {"folder": str(folder), "questions": asked,
               "questions_name": f"questions-s{args.seed}-n200.json"}
        subprocess.run([sys.executable, str(HERE / "bench_scale.py"), "--child",
                        "sentence-vectors", json.dumps(job)], check=True,
                       env=bench_scale.CHILD_ENV, stdout=subprocess.DEVNULL)
    pool = scale_corpus.sentence_pool()
    rng = random.Random(f"check-{args.seed}")
    passages = [scale_corpus.paragraph(pool, rng) for _ in range(args.passages)]
    print(f"embedding {len(passages)} passages and {len(asked)} questions with the real "
          "model...", flush=True)
    model = load_encoder(None)
    real, questions = model.encode(passages), model.encode(asked)
    pairs = np.random.default_rng(args.seed).integers(0, len(passages), (20_000, 2))

    def pair_cosines(vectors: np.ndarray) -> np.ndarray:
        return (vectors[pairs[:, 0]] * vectors[pairs[:, 1]]).sum(axis=1)

    truth = pair_cosines(real)
    print(f"\nreal model ({model.precision}): cosine of random pairs mean {truth.mean():.3f},"
          f" sd {truth.std():.3f}\n")
    print("| stand-in | pair cosine mean (sd) | rank correlation of pair cosines with the real"
          " model's | cosine to the real vector | real top-10 found in its top 10 |")
    print("|---|---|---|---|---|")
    for name, encoder in (("sentences", bench_scale.SentenceStandInEncoder(folder)),
                          ("hash", bench_scale.StandInEncoder())):
        vectors = encoder.encode(passages)
        cosines = pair_cosines(vectors)
        print(f"| {name} | {cosines.mean():.3f} ({cosines.std():.3f}) | "
              f"{spearmanr(cosines, truth)[0]:.3f} | {np.mean((vectors * real).sum(axis=1)):.3f}"
              f" | {top10_agreement(vectors, real, questions):.3f} |")


if __name__ == "__main__":
    main()
