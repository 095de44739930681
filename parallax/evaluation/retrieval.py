"""Retrieval quality on a question file: Recall@k and MRR@10 per mode.

A question file is JSON lines: {"id", "question", "document", "phrase", ...}; a retrieved
passage is right when it belongs to `document` (a file name) and contains `phrase`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from embed import model_identity
from indexes import DocumentRecord, Hit, IndexOutdated, IndexReader, Mode, PassageRecord, exists
from indexes.query.search import SearchSettings
from indexes.store_settings import StoreSettings
from parallax.evaluation.beir import CORPUS, BeirDataset, DatasetError, corpus_documents, record_id
from parallax.evaluation.metrics import retrieval_metrics
from parallax.indexing import EncoderLoader, IndexProgress, index_documents
from parallax.search.ask import retrieve
from parallax.session import Session
from parallax.settings import DEFAULT_SETTINGS, IndexSettings


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    document: str
    phrase: str
    kind: str = ""


@dataclass(frozen=True)
class QuestionOutcome:
    question: Question
    rank: int | None  # 1-based rank of the first right passage, None if not in the top 10


_QUESTION_FORMAT = ('Each line of a question file is a JSON object: {"id": "q1", "question": '
                    '"…", "document": "file name", "phrase": "words of the answer"}.')


def load_questions(path: Path) -> list[Question]:
    """The questions of a .jsonl file; a DatasetError naming the line for anything else."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise DatasetError(f"cannot read the question file {path}: {reason}",
                           _QUESTION_FORMAT) from None
    questions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            question = Question(**{k: data[k] for k in data
                                   if k in Question.__dataclass_fields__})
            if not all(isinstance(v, str) for v in (question.question, question.document,
                                                    question.phrase)):
                raise TypeError("question, document and phrase must be text")
        except (ValueError, TypeError) as error:
            detail = " ".join(str(error).split())[:120]
            raise DatasetError(f"{path}:{number}: not a question record ({detail})",
                               _QUESTION_FORMAT) from None
        questions.append(question)
    if not questions:
        raise DatasetError(f"{path} holds no question", _QUESTION_FORMAT)
    return questions


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def rank_questions(session: Session, questions: list[Question], mode: Mode,
                   depth: int = 10, settings: SearchSettings | None = None
                   ) -> list[QuestionOutcome]:
    """Where the first right passage ranks for each question, ranked as `ask` ranks."""
    settings = settings if settings is not None else SearchSettings()
    outcomes = []
    documents = {doc.rowid: doc for doc in session.documents}
    for q in questions:
        hits = retrieve(session, q.question, depth, mode, settings=settings).hits
        passages = session.reader.passages([h.passage_rowid for h in hits])
        rank = next((position for position, hit in enumerate(hits, start=1)
                     if _is_answer(q, passages[hit.passage_rowid],
                                   documents[passages[hit.passage_rowid].doc_rowid])), None)
        outcomes.append(QuestionOutcome(q, rank))
    return outcomes


def _is_answer(question: Question, passage: PassageRecord, doc: DocumentRecord) -> bool:
    return (PurePath(doc.path).name == question.document
            and _normal(question.phrase) in _normal(passage.text))


def summarise(outcomes: list[QuestionOutcome]) -> dict[str, float]:
    """Recall@1, Recall@5, Recall@10 and MRR@10 of a list of outcomes."""
    n = len(outcomes) or 1
    ranks = [o.rank for o in outcomes]
    return {
        "recall@1": sum(r is not None and r <= 1 for r in ranks) / n,
        "recall@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "recall@10": sum(r is not None and r <= 10 for r in ranks) / n,
        "mrr@10": sum(1 / r for r in ranks if r is not None and r <= 10) / n,
    }


# BEIR datasets -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DatasetEvaluation:
    dataset: str
    queries: int
    documents: int
    modes: dict[str, dict[str, float]]  # mode -> metric -> value
    seconds: dict[str, float]  # mode -> seconds spent ranking its queries


def evaluate_dataset(session: Session, dataset: BeirDataset, modes: Sequence[Mode],
                     *, depth: int = 100, ignore_identical_ids: bool = False,
                     settings: SearchSettings | None = None,
                     progress: IndexProgress | None = None) -> DatasetEvaluation:
    """Rank the corpus for every judged query in each mode, documents ranked by their best
    passage, and score the rankings against the judgments."""
    settings = settings if settings is not None else SearchSettings()
    progress = progress or IndexProgress()  # the same bar hooks as indexing
    ids = {doc.rowid: record_id(dataset, doc.path) for doc in session.documents}
    queries = sorted(dataset.queries.items())
    if any(mode.needs_vectors for mode in modes):
        # One batched call for all queries, not one per query per mode.
        texts = list(dict.fromkeys(text for _, text in queries))
        progress.started("Questions", len(texts), "embedded")
        session.encode_ahead(texts, progress.advanced)
        progress.finished()
    results: dict[str, dict[str, float]] = {}
    seconds: dict[str, float] = {}
    for mode in modes:
        run: dict[str, list[str]] = {}
        progress.started(f"{mode.value:<9}", len(queries), "queries")
        start = time.perf_counter()
        for query_id, text in queries:
            hits = retrieve(session, text, depth, mode, settings=settings).hits
            run[query_id] = _document_ranking(session, hits, ids, query_id,
                                              ignore_identical_ids)[:depth]
            progress.advanced(1)
        seconds[mode.value] = time.perf_counter() - start
        progress.finished()
        results[mode.value] = retrieval_metrics(dataset.qrels, run)
    return DatasetEvaluation(dataset=dataset.name, queries=len(queries),
                             documents=sum(1 for i in ids.values() if i is not None),
                             modes=results, seconds=seconds)


def _document_ranking(session: Session, hits: list[Hit], ids: dict[int, str | None],
                      query_id: str, ignore_identical_ids: bool) -> list[str]:
    """Document ids in the order of their best passage among `hits`."""
    positions = session.reader.passage_positions([h.passage_rowid for h in hits])
    ranking: list[str] = []
    seen = set()
    for hit in hits:
        doc = ids.get(positions[hit.passage_rowid][0])
        if doc is None or doc in seen or (ignore_identical_ids and doc == query_id):
            continue
        seen.add(doc)
        ranking.append(doc)
    return ranking


def default_dataset_index(dataset: BeirDataset) -> Path:
    """Where `eval` keeps a dataset's index unless told otherwise: in the user's cache (it
    can always be rebuilt), one folder per corpus version, never the user's own index."""
    from platformdirs import user_cache_dir

    folder = f"{dataset.name}-{dataset.corpus_hash[:12]}"
    return Path(user_cache_dir("parallax", appauthor=False)) / "eval" / folder


def ensure_dataset_index(dataset: BeirDataset, index_dir: Path, *, model: str | None = None,
                         rebuild: bool = False, settings: IndexSettings = DEFAULT_SETTINGS,
                         encoder_loader: EncoderLoader | None = None,
                         progress: IndexProgress | None = None) -> bool:
    """Make `index_dir` hold this dataset's corpus, embedded with `model` and `settings`:
    reuse it when it already does, build it otherwise. True when it was built. An index of
    anything else than a BEIR corpus is refused, not replaced."""
    store = StoreSettings.from_env()
    if exists(index_dir) and not rebuild:
        try:
            with IndexReader(index_dir) as reader:
                roots, manifest = reader.roots(), reader.manifest
        except IndexOutdated:  # a cache written by another version: built again
            roots, manifest = [str(dataset.root)], None
        if any(f"/{CORPUS}@" not in root for root in roots):
            raise DatasetError(
                f"the index at {index_dir} holds documents of {', '.join(roots)}, not a "
                "BEIR corpus; eval does not replace it",
                "Leave out --index (eval keeps its own index per dataset) or name an empty "
                "folder.")
        wanted = (manifest.expected(settings.as_dict(), model_identity(model) if model else None)
                  if manifest else None)
        # The approximate threshold and the precision decide the vector store: a forced
        # one is built anew (an index from before the precision was recorded is float32).
        same_store = manifest and manifest.store.get("approximate_above") == \
            store.approximate_above and manifest.store.get("precision", "f32") == \
            store.precision
        if manifest and roots == [str(dataset.root)] and manifest.fingerprint == wanted \
                and same_store:
            return False
    index_documents(corpus_documents(dataset), dataset.root, index_dir, model,
                    settings=settings, encoder_loader=encoder_loader, progress=progress,
                    store=store)
    return True


def evaluate_questions(session: Session, questions: list[Question],
                       modes: Sequence[Mode]) -> dict[str, dict[str, float]]:
    """Recall@1/5/10 (a right passage in the top k) and MRR@10 of a question file, per mode."""
    return {mode.value: summarise(rank_questions(session, questions, mode)) for mode in modes}
