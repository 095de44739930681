"""Store costs at scale on text that looks real (issue 10, acceptance 2).

    .venv/bin/python benchmarks/bench_scale.py [--passages 100000] [--work /tmp/parallax-scale]
                                               [--seed 0] [--questions 300] [--fresh]
                                               [--recall-questions 200] [--keep-index]
                                               [--stand-in sentences|hash]

Generates (or reuses) a corpus with benchmarks/scale_corpus.py, builds an index of it through
the public API (`parallax.indexing.build_index`) with a cheap deterministic stand-in encoder,
so that the figures are the store's costs without embedding. The default stand-in gives every
unit the sum of the real model's vectors of the pool sentences it covers (the pool is embedded
once with the real model and cached under --work: about 12 minutes on 2 cores); `--stand-in
hash` gives signed word hashes, which have no clusters. It then measures: the full build and
its peak RSS, a one-file edit, a nothing-changed refresh, a deletion (and a compaction when
`build_index` offers one), warm hybrid query latency with and without source and date filters,
cold `ask` in a fresh process, the query process's peak RSS, dense recall@10 of the
approximate index against exact search (when the store offers both), and bytes on disk per
passage. Every index operation runs in a subprocess of its own, which reports its time and
peak RSS (VmHWM), so the figures do not depend on what ran before.

The corpus and the index are kept under --work and reused: the index is rebuilt when the
code under corpus/, embed/, indexes/ or parallax/ changed (git HEAD and uncommitted diff),
and the build figures printed are then those recorded when it was built. --fresh starts over.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATASETS = ROOT.parent / "shared" / "datasets"
ENCODER_NAME = "scale-stand-in-encoder"
# The code measured is the checkout this script lives in (a copy of it in an exported tree
# measures that tree), in this process, its children and the CLI.
sys.path.insert(0, str(ROOT))
CHILD_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}

# ---------------------------------------------------------------------------------------------
# The stand-in encoder


class StandInEncoder:
    """Signed bag-of-words vectors from CRC32 word hashes (the same in every process, unlike
    hash()), 384 dimensions like MiniLM, vectorised over a whole batch. Word pieces are
    approximated by words cut into pieces of at most 6 characters and punctuation marks, so
    windows are about as many as the real tokenizer makes. Implements encode_pooled, so the
    pooled-sentence path of indexing runs as it does with the real model. It also keeps the
    seconds it spent, so that the build's own cost can be told from the stand-in's."""

    name = ENCODER_NAME
    max_tokens = 256
    dimension = 384
    _PIECES = re.compile(r"\w{1,6}|[^\w\s]")
    _WORDS = re.compile(r"\w+")

    def __init__(self) -> None:
        self._buckets: dict[str, int] = {}  # word -> signed bucket (sign in the top bit)
        self.seconds = 0.0

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        start = time.perf_counter()
        offsets = [m.span() for m in self._PIECES.finditer(text)]
        self.seconds += time.perf_counter() - start
        return offsets

    def _bucket(self, word: str) -> int:
        value = self._buckets.get(word)
        if value is None:
            crc = zlib.crc32(word.lower().encode("utf-8"))
            # The sign in the value's own sign: +/-(bucket + 1), so that bucket 0 keeps it.
            value = (crc % self.dimension + 1) * (1 if crc & 0x80000000 else -1)
            self._buckets[word] = value
        return value

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:  # noqa: ANN001
        return self.encode_pooled(texts, [[((0, len(t)),)] for t in texts], progress)

    def encode_pooled(self, texts: Sequence[str], units: Sequence[Sequence[tuple]],
                      progress=None) -> np.ndarray:  # noqa: ANN001
        """A vector per entry of units[i] (char ranges of texts[i]), rows in order: the sum of
        the signed hashes of the words overlapping the ranges, normalised."""
        start = time.perf_counter()
        starts: list[int] = []
        ends: list[int] = []
        values: list[int] = []
        bucket = self._bucket
        base = 0
        text_base = []
        stride = 1 << 32  # keys t * stride + char position are sorted over the whole batch
        for number, text in enumerate(texts):
            text_base.append(base)
            key = number * stride
            for m in self._WORDS.finditer(text):
                a, b = m.span()
                starts.append(key + a)
                ends.append(key + b)
                values.append(bucket(m.group()))
            base += 1
        # One entry per range: (output row, text, a, b).
        rows, lo, hi = [], [], []
        row = 0
        for number, ranges_of_text in enumerate(units):
            key = number * stride
            for ranges in ranges_of_text:
                for a, b in ranges:
                    rows.append(row)
                    lo.append(key + a)
                    hi.append(key + b)
                row += 1
        out = np.zeros((row, self.dimension), dtype=np.float32)
        if starts and rows:
            start_keys = np.array(starts, dtype=np.int64)
            end_keys = np.array(ends, dtype=np.int64)
            signed = np.array(values, dtype=np.int64)
            first = np.searchsorted(end_keys, np.array(lo, dtype=np.int64), side="right")
            last = np.searchsorted(start_keys, np.array(hi, dtype=np.int64), side="left")
            counts = np.maximum(last - first, 0)
            total = int(counts.sum())
            if total:
                offsets = np.cumsum(counts) - counts
                words = np.repeat(first - offsets, counts) + np.arange(total)
                owner = np.repeat(np.array(rows, dtype=np.int64), counts)
                picked = signed[words]
                cells = owner * self.dimension + (np.abs(picked) - 1)
                out = np.bincount(cells, weights=np.sign(picked).astype(np.float64),
                                  minlength=row * self.dimension)
                out = out.reshape(row, self.dimension).astype(np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.where(norms == 0, 1, norms)
        if progress is not None:
            progress(len(texts))
        self.seconds += time.perf_counter() - start
        return out


SENTENCES_ENCODER_NAME = "scale-stand-in-sentences"
# A unit cut inside a sentence holds its start or its end: found by this many characters.
_KEY = 32


class SentenceStandInEncoder(StandInEncoder):
    """The real model's geometry at a stand-in's cost. Every sentence of the generator's pool
    and every question the benchmark asks are embedded once with the real default model
    (cached under --work by the `sentence-vectors` child). A unit's vector is then the sum of the
    vectors of the pool sentences it covers, each weighted by the characters it covers,
    normalised: a one-sentence unit gets exactly the model's vector of that sentence, a
    window roughly the model's mean pooling over its sentences. Hash vectors, by contrast,
    are spread with no clusters at all (the worst case for an inverted file), so recall
    measured on them says little of what text embeddings give. A unit cut inside a sentence
    finds it by its first or last characters; a unit with no pool sentence (a title line
    alone, an edit's new sentence) falls back to the hash vector."""

    name = SENTENCES_ENCODER_NAME

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self._folder = folder
        self._questions: dict[str, np.ndarray] = {}
        for path in folder.glob("questions-*.json"):
            texts = json.loads(path.read_text(encoding="utf-8"))
            self._questions.update(zip(texts, np.load(path.with_suffix(".npy")), strict=True))
        self._vectors: np.ndarray | None = None  # read on the first text not a question
        self._exact: dict[str, int] = {}
        self._head: dict[str, int] = {}
        self._tail: dict[str, int] = {}

    def _load(self) -> np.ndarray:
        if self._vectors is None:
            texts = json.loads((self._folder / "sentences.json").read_text(encoding="utf-8"))
            for number, text in enumerate(texts):
                self._exact.setdefault(text, number)
                if len(text) >= _KEY:
                    self._head.setdefault(text[:_KEY], number)
                    self._tail.setdefault(text[-_KEY:], number)
            self._vectors = np.load(self._folder / "sentences.npy").astype(np.float32)
        return self._vectors

    def _pieces(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, pool sentence) of the pool sentences found in `text`, in order."""
        from corpus import split_sentences

        found = []
        base = 0
        for line in text.split("\n"):  # the context line is a line of its own
            for a, b in split_sentences(line):
                sentence = line[a:b]
                number = self._exact.get(sentence)
                if number is None and len(sentence) >= _KEY:
                    number = self._head.get(sentence[:_KEY], self._tail.get(sentence[-_KEY:]))
                if number is not None:
                    found.append((base + a, base + b, number))
            base += len(line) + 1
        return found

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:  # noqa: ANN001
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        others = [i for i, text in enumerate(texts) if text not in self._questions]
        for i, text in enumerate(texts):
            if text in self._questions:
                out[i] = self._questions[text]
        if others:
            out[others] = super().encode([texts[i] for i in others])
        if progress is not None:
            progress(len(texts))
        return out

    def encode_pooled(self, texts: Sequence[str], units: Sequence[Sequence[tuple]],
                      progress=None) -> np.ndarray:  # noqa: ANN001
        from scipy.sparse import csr_matrix

        start, spent = time.perf_counter(), self.seconds
        vectors = self._load()
        rows: list[int] = []
        columns: list[int] = []
        weights: list[int] = []
        missing: list[tuple[int, int, tuple]] = []  # (row, text, ranges) with no pool sentence
        row = 0
        for number, text in enumerate(texts):
            pieces = self._pieces(text)
            for ranges in units[number]:
                before = len(rows)
                for a, b in ranges:
                    for start_, end, sentence in pieces:
                        overlap = min(b, end) - max(a, start_)
                        if overlap > 0:
                            rows.append(row)
                            columns.append(sentence)
                            weights.append(overlap)
                if len(rows) == before:
                    missing.append((row, number, ranges))
                row += 1
        cover = csr_matrix((np.array(weights, dtype=np.float32), (rows, columns)),
                           shape=(row, len(vectors)))
        out = np.asarray(cover @ vectors, dtype=np.float32)
        if missing:
            out[[r for r, _, _ in missing]] = StandInEncoder.encode_pooled(
                self, [texts[n] for _, n, _ in missing], [[ranges] for _, _, ranges in missing])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.where(norms == 0, 1, norms)
        if progress is not None:
            progress(len(texts))
        self.seconds = spent + time.perf_counter() - start
        return out


STAND_INS = ("sentences", "hash")
_ENCODER: StandInEncoder | None = None


def stand_in_loader(name: str) -> StandInEncoder:
    """The stand-in the parent chose (PARALLAX_SCALE_STAND_IN: a folder of sentence vectors,
    or unset for hash vectors), one per process."""
    global _ENCODER
    if _ENCODER is None:
        folder = os.environ.get("PARALLAX_SCALE_STAND_IN")
        _ENCODER = SentenceStandInEncoder(Path(folder)) if folder else StandInEncoder()
    return _ENCODER


def child_sentence_vectors(job: dict) -> dict:
    """The real default model's vectors of the generator's sentence pool (unless cached) and
    of the benchmark's questions, written into job["folder"]."""
    sys.path.insert(0, str(HERE))
    import scale_corpus

    from embed import load_encoder

    folder = Path(job["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    encoder = load_encoder(None)
    done: dict = {"precision": str(getattr(encoder, "precision", "?"))}
    if not (folder / "sentences.npy").exists():
        pool = scale_corpus.sentence_pool()
        vectors = encoder.encode(pool)
        np.save(folder / "sentences.tmp.npy", vectors.astype(np.float16))
        (folder / "sentences.json").write_text(json.dumps(pool), encoding="utf-8")
        os.replace(folder / "sentences.tmp.npy", folder / "sentences.npy")
        done["sentences"] = len(pool)
    name = folder / job["questions_name"]
    np.save(name.with_suffix(".npy"), encoder.encode(job["questions"]))
    name.write_text(json.dumps(job["questions"]), encoding="utf-8")
    done["seconds"] = time.perf_counter() - start
    return done


# ---------------------------------------------------------------------------------------------
# Children: each index operation and each query run in a process of its own


def peak_rss() -> int:
    """This process's peak resident set size in bytes (VmHWM), or ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child_index(job: dict) -> dict:
    """build_index once, timed, with the stage times seen through its progress hooks."""
    import inspect

    from parallax.indexing import IndexProgress, build_index

    class Stages(IndexProgress):
        def __init__(self) -> None:
            self.events: list[tuple[str, float]] = []

        def started(self, stage: str, total: int, unit: str) -> None:
            self.events.append((f"{stage} ({total} {unit})", time.perf_counter()))

        def finished(self) -> None:
            self.events.append(("after", time.perf_counter()))

    kwargs = {}
    if job.get("compact"):
        if "compact" not in inspect.signature(build_index).parameters:
            return {"skipped": "build_index has no compact parameter"}
        kwargs["compact"] = True
    progress = Stages()
    start = time.perf_counter()
    report = build_index([Path(p) for p in job["paths"]], Path(job["index"]),
                         encoder_loader=stand_in_loader, progress=progress, **kwargs)
    seconds = time.perf_counter() - start
    stages: dict[str, float] = {}
    marks = [*progress.events, ("end", start + seconds)]
    stages["before reading"] = (marks[0][1] if progress.events else start + seconds) - start
    for (label, at), (_, until) in zip(marks, marks[1:], strict=False):
        name = "Reading" if label.startswith("Reading") else (
            "publish/other" if label == "after" else "Embedding+writing")
        stages[name] = stages.get(name, 0.0) + until - at
    return {"seconds": seconds, "peak_rss": peak_rss(), "counts": report.counts,
            "added": len(report.added), "updated": len(report.updated),
            "removed": len(report.removed), "unchanged": report.unchanged,
            "embedded_units": report.embedded_windows, "stages": stages,
            "stand_in_seconds": _ENCODER.seconds if _ENCODER else 0.0,
            "parts": sum(1 for label, _ in progress.events if not label.startswith(
                ("Reading", "after")))}


def questions(count: int, seed: int) -> list[str]:
    """Varied questions: a sentence, or a run of 5-12 words of one, from the queries of
    both datasets, drawn with a fixed seed."""
    import random

    from corpus import split_sentences

    fragments: list[str] = []
    for name in ("scifact", "arguana"):
        with (DATASETS / name / "queries.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                text = " ".join(json.loads(line)["text"].split())
                fragments += [text[a:b] for a, b in split_sentences(text)]
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        words = rng.choice(fragments).split()
        if len(words) > 12:
            size = rng.randint(5, 12)
            first = rng.randrange(len(words) - size + 1)
            words = words[first:first + size]
        text = " ".join(words).strip(" .,;:")
        if len(text) >= 10 and text not in seen:
            seen.add(text)
            out.append(text)
    return out


def _percentiles(seconds: list[float]) -> dict:
    ms = np.array(seconds) * 1000
    return {"p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99)),
            "mean": float(ms.mean()), "n": len(ms)}


def child_queries(job: dict) -> dict:
    """Warm hybrid queries, plain and filtered, then the peak RSS, then recall@10."""
    from indexes import Filters, Mode
    from parallax.search.ask import ask
    from parallax.session import Session

    asked = questions(job["questions"], job["seed"])
    folders, years = job["folders"], list(range(1995, 2023))
    result: dict = {}
    with Session(Path(job["index"]), encoder_loader=stand_in_loader) as session:
        for question in asked[:5]:  # loads the vectors, the database pages, the caches
            ask(session, question, 5, Mode.hybrid)
            ask(session, question, 5, Mode.hybrid, Filters(source="part0000/*"))
        runs = {
            "hybrid": lambda i: None,
            "hybrid, source filter": lambda i: Filters(source=f"part{i % folders:04d}/*"),
            "hybrid, date filter": lambda i: Filters(since=str(years[i % len(years)]),
                                                     until=str(years[i % len(years)] + 2)),
            "lexical": lambda i: None,
        }
        for label, filters_for in runs.items():
            mode = Mode.lexical if label == "lexical" else Mode.hybrid
            times = []
            for i, question in enumerate(asked):
                filters = filters_for(i)
                start = time.perf_counter()
                ask(session, question, 5, mode, filters)
                times.append(time.perf_counter() - start)
            result[label] = _percentiles(times)
        result["peak_rss"] = peak_rss()
        result["recall"] = _recall(session, asked[:job.get("recall", 200)])
        result["segments"] = [
            f"{s.info.backend} {s.info.counts.get('windows', 0):,} units"
            + (f" ({_layout(s.info.params)})" if s.info.params else "")
            for s in session.reader.segments]
    return result


def _layout(params: dict) -> str:
    from indexes.vectors.ivfpq import ApproximateParams

    p = ApproximateParams(**params)
    return f"{p.layout}, nprobe {p.nprobe}, re-scoring {p.rerank} per unit wanted"


def _recall(session, asked: list[str]) -> dict:  # noqa: ANN001
    """Dense recall@10 over passages: `dense_search` as queries run it (approximate where
    a segment is) against the same search scanning every vector exactly."""
    from indexes.query.dense import dense_search

    reader = session.reader
    if "search_units" not in dir(reader):
        return {"skipped": "no approximate backend in this build"}
    backends = sorted({s.info.backend for s in reader.segments})
    vectors = session.encoder.encode(asked)
    recalls, strict = [], []
    for vector in vectors:
        approximate = dense_search(reader, vector, 10)
        exact = dense_search(reader, vector, 10, exact=True)
        if exact:
            # The generated documents repeat sentences, so several passages often tie at
            # the 10th score: a passage scoring as well as the exact 10th is as right.
            floor = exact[-1][1] - 1e-6
            recalls.append(sum(score >= floor for _, score in approximate) / len(exact))
            strict.append(len({p for p, _ in approximate} & {p for p, _ in exact}) / len(exact))
    return {"recall": float(np.mean(recalls)) if recalls else None, "n": len(recalls),
            "over": f"passages, ties counted (strict: {np.mean(strict):.3f}; "
                    f"{', '.join(backends)} segments)"}


def child_cold(job: dict) -> dict:
    """One ask in this fresh process, as `parallax ask` does it, timed from its start."""
    from indexes import Mode
    from parallax.search.ask import ask
    from parallax.session import Session

    mode = Mode(job["mode"])
    with Session(Path(job["index"]), encoder_loader=stand_in_loader) as session:
        answer = ask(session, job["question"], 5, mode)
    return {"results": len(answer.results)}


def child_real_encoder(job: dict) -> dict:
    """Time to load the real default query encoder, and to embed one question with it."""
    start = time.perf_counter()
    from embed import load_query_encoder

    encoder = load_query_encoder()
    loaded = time.perf_counter() - start
    encoder.encode([job["question"]])
    return {"load": loaded, "encode": time.perf_counter() - start - loaded,
            "name": getattr(encoder, "name", "?"), "kind": type(encoder).__name__}


def child_real_embed(job: dict) -> dict:
    """The real default model (the indexing encoder, bf16/fp32 as it chooses) on one
    document of the corpus: the embedding cost a one-file edit adds to the store's."""
    import tempfile

    from embed import load_encoder
    from parallax.indexing import build_index

    start = time.perf_counter()
    encoder = load_encoder(None)
    loaded = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = build_index([Path(job["file"])], Path(tmp) / "index",
                             encoder_loader=lambda name: encoder)
        seconds = time.perf_counter() - start
    return {"load": loaded, "seconds": seconds, "units": report.embedded_windows,
            "passages": report.counts.get("passages", 0)}


CHILDREN = {"sentence-vectors": child_sentence_vectors, "index": child_index,
            "queries": child_queries, "cold": child_cold,
            "real-encoder": child_real_encoder, "real-embed": child_real_embed}


def run_child(kind: str, job: dict) -> tuple[dict, float]:
    """Run a child; returns what it printed (its last line, JSON) and its wall time."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", kind,
                           json.dumps(job)], capture_output=True, text=True, cwd=ROOT,
                          env=CHILD_ENV)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"child {kind} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), wall


# ---------------------------------------------------------------------------------------------
# The parent


def code_key() -> str:
    """What the index was built by: the contents of the packages' Python files."""
    digest = hashlib.sha256()
    for package in ("corpus", "embed", "indexes", "parallax"):
        for path in sorted((ROOT / package).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def disk_usage(folder: Path) -> int:
    """Bytes allocated under `folder`, as du counts them: a file hard-linked into two
    generations once (figures before issue 27 counted the kept generation's links again,
    about twice the index; `parallax check --sizes` has the current generation alone)."""
    total = 0
    seen: set[tuple[int, int]] = set()
    for dirpath, _, files in os.walk(folder):
        for name in files:
            try:
                stat = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if (stat.st_dev, stat.st_ino) not in seen:
                seen.add((stat.st_dev, stat.st_ino))
                total += stat.st_blocks * 512
    return total


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(line.split()[1]) for line in
                   Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
        ram = f"{mem / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        ram = "?"
    return f"{cpu}, {os.cpu_count()} cores, {ram} RAM, Python {platform.python_version()}"


class Pending:
    """The document being edited or deleted, saved first so that an interrupted run is put
    right at the start of the next one."""

    def __init__(self, work: Path) -> None:
        self.folder = work / "pending"

    def save(self, path: Path) -> None:
        self.folder.mkdir(exist_ok=True)
        (self.folder / "original").write_bytes(path.read_bytes())
        (self.folder / "path").write_text(str(path), encoding="utf-8")

    def restore(self) -> bool:
        if not (self.folder / "path").exists():
            return False
        path = Path((self.folder / "path").read_text(encoding="utf-8"))
        path.write_bytes((self.folder / "original").read_bytes())
        shutil.rmtree(self.folder)
        return True


def mb(value: float) -> str:
    return f"{value / 2**20:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/parallax-scale"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--questions", type=int, default=200, help="at least 200")
    parser.add_argument("--recall-questions", type=int, default=200,
                        help="questions searched exactly for recall@10 (each scans every"
                             " vector: about 7 s at a million passages)")
    parser.add_argument("--fresh", action="store_true",
                        help="generate the corpus and build the index again")
    parser.add_argument("--keep-index", action="store_true",
                        help="reuse the index under --work even if the code changed since it "
                             "was built (its build figures are those of the code that built it)")
    parser.add_argument("--stand-in", choices=STAND_INS, default="sentences",
                        help="the vectors indexed: sums of the real model's vectors of the pool"
                             " sentences a unit covers (the default: clustered as text is), or"
                             " signed word hashes (no clusters: the worst case for recall)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, job = args.child
        print(json.dumps(CHILDREN[kind](json.loads(job))))
        return

    sys.path.insert(0, str(HERE))
    import scale_corpus

    began = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - began:6.0f} s] {message}" if message else "", flush=True)

    work = (args.work / f"p{args.passages}-s{args.seed}").resolve()
    if args.fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    # Hash vectors kept the plain name: indexes built before the sentence stand-in stay usable.
    suffix = "" if args.stand_in == "hash" else f"-{args.stand_in}"
    corpus_dir, index_dir = work / "corpus", work / f"index{suffix}"
    pending = Pending(work)
    restored = pending.restore()
    stamp = scale_corpus.generate(corpus_dir, args.passages, args.seed, log=say)
    folders = stamp["folders"]
    job = {"paths": [str(corpus_dir)], "index": str(index_dir)}

    # Full build (or the figures recorded when the reused index was built).
    key = code_key()
    build_stamp_path = work / f"index-build{suffix}.json"
    if args.stand_in == "sentences":
        vectors_dir = args.work.resolve() / "stand-in-sentences"
        asked = [*questions(args.questions, args.seed), *questions(1, args.seed + 1)]
        say("the real model's vectors of the pool sentences and of the questions...")
        prepared, _ = run_child("sentence-vectors", {
            "folder": str(vectors_dir), "questions": asked,
            "questions_name": f"questions-s{args.seed}-n{args.questions}.json"})
        say(f"  {prepared}")
        CHILD_ENV["PARALLAX_SCALE_STAND_IN"] = str(vectors_dir)
    build = None
    if build_stamp_path.exists() and index_dir.exists():
        recorded = json.loads(build_stamp_path.read_text(encoding="utf-8"))
        same_code = recorded.get("code") == key
        if recorded.get("corpus") == stamp and (same_code or args.keep_index):
            build = recorded["build"]
            by = "this code" if same_code else f"code {recorded.get('code')} (--keep-index)"
            say(f"reusing the index at {index_dir}, built {recorded['when']} by {by}")
            if restored:
                say("an interrupted run left a document edited: restored, re-indexing")
                run_child("index", job)
    if build is None:
        if index_dir.exists():
            shutil.rmtree(index_dir)
        build_stamp_path.unlink(missing_ok=True)
        say(f"building the index of {stamp['documents']} documents (stand-in encoder)...")
        build, _ = run_child("index", job)
        build_stamp_path.write_text(json.dumps(
            {"code": key, "corpus": stamp, "when": time.strftime("%Y-%m-%d %H:%M"),
             "build": build}, indent=1), encoding="utf-8")
    counts = build["counts"]
    say(f"  {build['seconds']:.1f} s, {counts}")

    # One-file edit, nothing changed, deletion, compaction; then the document is put back.
    number = (folders // 2) * scale_corpus.FILES_PER_FOLDER + 7
    victim = corpus_dir / scale_corpus.folder_name(folders // 2) / f"doc{number:07d}.txt"
    pending.save(victim)
    text = victim.read_text(encoding="utf-8").split("\n\n")
    text[4] += f" This paragraph was revised at {time.time():.0f} for the benchmark."
    victim.write_text("\n\n".join(text), encoding="utf-8")
    say("re-indexing after editing one document...")
    edit, edit_wall = run_child("index", job)
    say("re-indexing with nothing changed...")
    unchanged, unchanged_wall = run_child("index", job)
    say("re-indexing after deleting one document...")
    victim.unlink()
    delete, delete_wall = run_child("index", job)
    say("compacting...")
    compact, compact_wall = run_child("index", {**job, "compact": True})
    pending.restore()
    say("putting the document back...")
    readd, _ = run_child("index", job)

    # Queries in a process of their own: latency, then its peak RSS, then recall.
    say(f"{args.questions} warm questions in each of 4 runs...")
    queries, _ = run_child("queries", {"index": str(index_dir), "questions": args.questions,
                                       "seed": args.seed, "folders": folders,
                                       "recall": args.recall_questions})
    # Cold ask: fresh processes, median of 3 (the file system cache is warm).
    question = questions(1, args.seed + 1)[0]
    say("cold ask in fresh processes...")
    cold = {}
    for mode in ("hybrid", "lexical"):
        walls = [run_child("cold", {"index": str(index_dir), "mode": mode,
                                    "question": question})[1] for _ in range(3)]
        cold[mode] = statistics.median(walls)
    cli_walls = []
    for _ in range(3):
        start = time.perf_counter()
        done = subprocess.run([str(Path(sys.executable).parent / "parallax"), "ask", question,
                               "--index", str(index_dir), "--mode", "lexical"],
                              capture_output=True, text=True, cwd=ROOT, env=CHILD_ENV)
        cli_walls.append(time.perf_counter() - start)
    cli_lexical = statistics.median(cli_walls) if done.returncode == 0 else None
    cli_problem = None if done.returncode == 0 else done.stderr.strip()[-300:]
    real, real_wall = run_child("real-encoder", {"question": question})
    say("the real model on the edited document...")
    embed_one, _ = run_child("real-embed", {"file": str(victim)})

    disk = disk_usage(index_dir)
    passages = counts.get("passages", 0) or 1
    recall = queries["recall"]
    q = {label: queries[label] for label in
         ("hybrid", "hybrid, source filter", "hybrid, date filter", "lexical")}

    edit_store = edit["seconds"] - edit["stand_in_seconds"]
    rows: list[tuple[str, str]] = [
        ("corpus", f"{stamp['documents']:,} documents in {folders} folders, "
                   f"{counts.get('passages', 0):,} passages, "
                   f"{counts.get('windows', 0):,} embedded units "
                   f"({counts.get('windows', 0) / passages:.2f} per passage)"),
        ("full build, stand-in encoder", f"{build['seconds']:.1f} s "
         f"({build['stand_in_seconds']:.1f} s of it in the stand-in encoder; "
         + ", ".join(f"{k} {v:.1f} s" for k, v in build["stages"].items() if v >= 0.05)
         + f"; {build['parts']} published parts)"),
        ("peak RSS of the build", mb(build["peak_rss"])),
        # The stand-in's own time (loading its vectors, embedding the file's units) stands
        # for the embedding, which the real model's row below measures instead.
        ("one-file edit, re-index, without embedding", f"{edit_store:.2f} s "
         f"({edit_store / (build['seconds'] - build['stand_in_seconds']):.3f}x"
         f" the full build without embedding; {edit['stand_in_seconds']:.2f} s more in the "
         f"stand-in encoder, {edit_wall:.2f} s in all with process start; updated "
         f"{edit['updated']}, {edit['embedded_units']} units embedded)"),
        ("the edited file with the real model (index of it alone)",
         f"{embed_one['seconds']:.2f} s for {embed_one['passages']} passages, "
         f"{embed_one['units']} units (model load {embed_one['load']:.1f} s more)"),
        ("nothing-changed refresh", f"{unchanged['seconds']:.2f} s "
         f"({unchanged_wall:.2f} s with process start)"),
        ("delete one file, re-index", f"{delete['seconds']:.2f} s "
         f"({delete_wall:.2f} s with process start; removed {delete['removed']})"),
        ("compaction", f"skipped: {compact['skipped']}" if "skipped" in compact
         else f"{compact['seconds']:.2f} s ({compact_wall:.2f} s with process start)"),
        ("peak RSS of the edit re-index", mb(edit["peak_rss"])),
    ]
    notes = {"hybrid, source filter": f" (`part####/*`: one of {folders} folders in turn)",
             "hybrid, date filter": " (3-year windows in turn, 1995-2024)"}
    for label, figures in q.items():
        rows.append((f"warm {label} ask, k=5{notes.get(label, '')}",
                     f"p50 {figures['p50']:.1f} ms, "
                     f"p99 {figures['p99']:.1f} ms (mean {figures['mean']:.1f} ms, "
                     f"{figures['n']} questions)"))
    rows += [
        ("peak RSS of the query process", mb(queries["peak_rss"])
         + f" (after {4 * args.questions + 10} warm asks)"),
        ("cold ask, hybrid (fresh process, stand-in encoder)", f"{cold['hybrid']:.2f} s"),
        ("cold ask, lexical (fresh process)", f"{cold['lexical']:.2f} s"),
        ("cold `parallax ask --mode lexical` (the CLI)",
         f"{cli_lexical:.2f} s" if cli_lexical is not None else f"failed: {cli_problem}"),
        ("real query encoder: load / first question", f"{real['load']:.2f} s / "
         f"{real['encode'] * 1000:.0f} ms ({real['kind']}; {real_wall:.2f} s whole process)"),
        ("cold ask, hybrid, real model (estimate: stand-in cold ask + load + encode)",
         f"{cold['hybrid'] + real['load'] + real['encode']:.2f} s"),
        ("segments at query time", "; ".join(queries.get("segments", []))),
        ("dense recall@10, approximate vs exact",
         f"n/a ({recall['skipped']})" if "skipped" in recall
         else f"{recall['recall']:.3f} over {recall['over']} ({recall['n']} questions)"),
        ("index on disk", f"{mb(disk)}, {disk / passages:,.0f} bytes per passage"),
        ("machine", machine()),
        ("code measured", f"{ROOT} (packages digest {key})"),
    ]
    say("")
    say(f"## Parallax at {args.passages:,} passages (benchmarks/bench_scale.py, seed "
        f"{args.seed})")
    say("")
    say("| figure | value |")
    say("|---|---|")
    for label, value in rows:
        say(f"| {label} | {value} |")


if __name__ == "__main__":
    main()
