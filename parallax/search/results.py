"""Plain result objects shared by every command that prints passages."""

from __future__ import annotations

from dataclasses import dataclass

from indexes import DocumentRecord, PassageRecord


@dataclass(frozen=True)
class Result:
    rank: int
    score: float
    passage: PassageRecord
    document: DocumentRecord
    highlight: str


@dataclass(frozen=True)
class Answer:
    query: str
    mode: str
    results: list[Result]
    warnings: tuple[str, ...] = ()  # what the user should know to read the answer


@dataclass(frozen=True)
class DocumentHits:
    """One document's best passages for a question."""

    document: DocumentRecord
    score: float  # its best passage's
    results: list[Result]


@dataclass(frozen=True)
class GroupedAnswer:
    query: str
    mode: str
    documents: list[DocumentHits]
    warnings: tuple[str, ...] = ()
