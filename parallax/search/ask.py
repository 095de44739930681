"""The `ask` use case: a question in, ranked passages with their documents out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexes import Filters, Hit, Mode, search
from indexes.query.search import SearchSettings
from parallax.search.highlight import best_sentences
from parallax.search.results import Answer, DocumentHits, GroupedAnswer, Result
from parallax.session import Session


@dataclass(frozen=True)
class Retrieval:
    hits: list[Hit]
    vector: np.ndarray | None  # what was embedded for the question, if anything


def retrieve(session: Session, question: str, k: int, mode: Mode = Mode.hybrid,
             filters: Filters | None = None,
             settings: SearchSettings | None = None) -> Retrieval:
    """The ranking every command and the evaluation share. Hybrid mode reads names and
    years of the index's documents in the question (see indexes.query.mentions); dense and
    lexical modes are the plain retrievers, for comparison."""
    settings = settings if settings is not None else SearchSettings()
    mentions = (session.reader.mentions.find(question, session.reader.is_common_word)
                if mode is Mode.hybrid else None)
    semantic = mentions.semantic if mentions and settings.strip_mentions else question
    vector = session.encode([semantic])[0] if mode.needs_vectors else None
    hits = search(session.reader, mode, k, question, vector, filters, settings, mentions)
    return Retrieval(hits, vector)


def ask(session: Session, question: str, k: int = 5, mode: Mode = Mode.hybrid,
        filters: Filters | None = None) -> Answer:
    """The `k` passages that best answer `question`, best first."""
    found = retrieve(session, question, k, mode, filters)
    return Answer(query=question, mode=mode.value,
                  results=to_results(session, question, found.hits, found.vector))


def units_scores(session: Session, passage_rowids: list[int],
                 vector: np.ndarray) -> list[dict[tuple[int, int], float]]:
    """For each passage, the similarity of the question to each of its embedded units
    (windows, sentences), from the vectors already in the index, read in one call."""
    units = [session.reader.windows_of(rowid) for rowid in passage_rowids]
    scores = session.reader.vectors([i for ids, _ in units for i in ids]) @ vector
    out, start = [], 0
    for _, spans in units:
        out.append(dict(zip(spans, scores[start:start + len(spans)].tolist(), strict=True)))
        start += len(spans)
    return out


def to_results(session: Session, question: str, hits: list[Hit],
               vector: np.ndarray | None = None) -> list[Result]:
    """Hits joined with their passages and documents, each with its best sentence."""
    passages = session.reader.passages([h.passage_rowid for h in hits])
    texts = [passages[h.passage_rowid].text for h in hits]
    scores = None if vector is None else units_scores(
        session, [h.passage_rowid for h in hits], vector)
    highlights = best_sentences(question, texts, scores)
    documents = session.reader.documents_of(p.doc_rowid for p in passages.values())
    return [Result(rank, hit.score, passages[hit.passage_rowid],
                   documents[passages[hit.passage_rowid].doc_rowid], highlight)
            for rank, (hit, highlight) in enumerate(zip(hits, highlights, strict=True), start=1)]


# Grouped by document ---------------------------------------------------------------------

PER_DOCUMENT = 3


def ask_by_document(session: Session, question: str, k: int = 5,
                    per_document: int = PER_DOCUMENT, mode: Mode = Mode.hybrid,
                    filters: Filters | None = None,
                    settings: SearchSettings | None = None) -> GroupedAnswer:
    """The `k` documents with the best passages for `question`, each with up to
    `per_document` of its passages, so that one long document does not take every place
    and a document with several good passages shows them. Result ranks are the passages'
    ranks in the whole ranking."""
    settings = settings if settings is not None else SearchSettings()
    pool = max(settings.candidates, k * per_document * 4)
    found = retrieve(session, question, pool, mode, filters, settings)
    positions = session.reader.passage_positions([h.passage_rowid for h in found.hits])
    chosen: dict[int, list[tuple[int, Hit]]] = {}
    for rank, hit in enumerate(found.hits, start=1):
        doc = positions[hit.passage_rowid][0]
        if doc not in chosen and len(chosen) == k:
            continue
        if len(chosen.setdefault(doc, [])) < per_document:
            chosen[doc].append((rank, hit))
    picked = [pair for pairs in chosen.values() for pair in pairs]
    results = to_results(session, question, [hit for _, hit in picked], found.vector)
    ranked = {hit.passage_rowid: Result(rank, r.score, r.passage, r.document, r.highlight)
              for (rank, hit), r in zip(picked, results, strict=True)}
    documents = [DocumentHits(ranked[pairs[0][1].passage_rowid].document,
                              pairs[0][1].score,
                              [ranked[hit.passage_rowid] for _, hit in pairs])
                 for pairs in chosen.values()]
    return GroupedAnswer(question, mode.value, documents)
