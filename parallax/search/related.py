"""The `related` use case: passages closest in meaning to a given passage (or text), for
"where else is this argued, or answered?"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexes import DocumentRecord, Filters, Mode, PassageRecord, search
from indexes.storage.recovery import index_command
from parallax.errors import PassageNotFound
from parallax.search.ask import to_results
from parallax.search.results import Result
from parallax.session import Session

# Besides what is excluded, the search asks for this many more passages, so that `k`
# remain after the passage, its neighbours (or its whole document) are removed.
_SLACK = 3


@dataclass(frozen=True)
class Related:
    passage: PassageRecord | None  # the passage asked about (None for --text)
    document: DocumentRecord | None
    text: str
    mode: str
    other_sources: bool
    results: list[Result]
    warnings: tuple[str, ...] = ()


def find_passage(session: Session, passage_id: str) -> PassageRecord:
    passage = session.reader.passage_by_id(passage_id.strip())
    if passage is None:
        raise PassageNotFound(f"no passage {passage_id!r} in the index at {session.index_dir}",
                              "Passage ids (like f7e65fcd9762.8) are printed by: "
                              + index_command(session.index_dir, "ask", "QUESTION"))
    return passage


def passage_vector(session: Session, passage: PassageRecord) -> np.ndarray:
    """The passage's meaning from its stored units (mean of their vectors): no model needed."""
    ids, _ = session.reader.windows_of(passage.rowid)
    mean = session.reader.vectors(ids).mean(axis=0)
    return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)


def related(session: Session, passage_id: str | None = None, text: str | None = None,
            k: int = 5, mode: Mode = Mode.hybrid, filters: Filters | None = None,
            other_sources: bool = False) -> Related:
    """The `k` passages closest to a passage (never itself or its immediate neighbours;
    with `other_sources`, only passages of other documents) or to a text."""
    if (passage_id is None) == (text is None):
        raise ValueError("give either a passage id or a text")
    passage = find_passage(session, passage_id) if passage_id is not None else None
    query = passage.text if passage is not None else str(text)
    vector = None
    if mode.needs_vectors:
        vector = (passage_vector(session, passage) if passage is not None
                  else session.encode([query])[0])
    excluded = _excluded(session, passage, other_sources)
    pool = k + len(excluded) + _SLACK
    hits = search(session.reader, mode, pool, query, vector, filters)
    keep = [h for h in hits if h.passage_rowid not in excluded][:k]
    document = session.reader.document(passage.doc_rowid) if passage is not None else None
    return Related(passage, document, query, mode.value, other_sources,
                   to_results(session, query, keep, vector))


def _excluded(session: Session, passage: PassageRecord | None,
              other_sources: bool) -> set[int]:
    """Rowids never to return: the passage and its neighbours, or its whole document."""
    if passage is None:
        return set()
    reader = session.reader
    if other_sources:
        return set(reader.passage_rowids_of([passage.doc_rowid]).tolist())
    around = reader.passages_of(passage.doc_rowid, max(0, passage.ordinal - 1),
                                passage.ordinal + 1)
    return {p.rowid for p in around}
