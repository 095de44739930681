"""The `ask` use case: a question in, ranked passages with their documents out."""

from __future__ import annotations

from indexes import Filters, Hit, Mode, search
from parallax.highlight import best_sentences
from parallax.results import Answer, Result
from parallax.session import Session


def ask(session: Session, question: str, k: int = 5, mode: Mode = Mode.hybrid,
        filters: Filters | None = None) -> Answer:
    """The `k` passages that best answer `question`, best first."""
    vector = session.encode([question])[0] if mode.needs_vectors else None
    hits = search(session.reader, mode, k, question, vector, filters)
    return Answer(query=question, mode=mode.value, results=to_results(session, question, hits,
                                                                       vector))


def to_results(session: Session, question: str, hits: list[Hit],
               vector: object = None) -> list[Result]:
    """Hits joined with their passages and documents, each with its best sentence."""
    passages = session.reader.passages([h.passage_rowid for h in hits])
    texts = [passages[h.passage_rowid].text for h in hits]
    encode = session.encode if vector is not None else None
    highlights = best_sentences(question, texts, vector, encode)  # type: ignore[arg-type]
    documents = {}
    results = []
    for rank, (hit, highlight) in enumerate(zip(hits, highlights, strict=True), start=1):
        passage = passages[hit.passage_rowid]
        if passage.doc_rowid not in documents:
            documents[passage.doc_rowid] = session.reader.document(passage.doc_rowid)
        results.append(Result(rank, hit.score, passage, documents[passage.doc_rowid], highlight))
    return results
