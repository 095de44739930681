"""Retrieval quality on a question file: Recall@k and MRR@10 per mode.

A question file is JSON lines: {"id", "question", "document", "phrase", ...}; a retrieved
passage is right when it belongs to `document` (a file name) and contains `phrase`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePath

from indexes import DocumentRecord, Mode, PassageRecord
from indexes.search import DEFAULT_SEARCH, SearchSettings
from parallax.ask import retrieve
from parallax.session import Session


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


def load_questions(path: Path) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            questions.append(Question(**{k: data[k] for k in data
                                         if k in Question.__dataclass_fields__}))
        except (ValueError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a question record ({error})") from error
    return questions


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def rank_questions(session: Session, questions: list[Question], mode: Mode,
                   depth: int = 10, settings: SearchSettings = DEFAULT_SEARCH
                   ) -> list[QuestionOutcome]:
    """Where the first right passage ranks for each question, ranked as `ask` ranks."""
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
