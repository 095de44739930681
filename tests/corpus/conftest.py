"""Shared fixtures for the corpus tests.

The sample corpus is read in place from ../shared, never copied. Tests run with
--import-mode=importlib, so helpers shared between test modules are served as fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from corpus import ParsedDocument, load_document, split_sentences

SAMPLE_DIR = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "china-us"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    if not SAMPLE_DIR.is_dir():
        pytest.skip(f"sample corpus not found at {SAMPLE_DIR}")
    return SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_docs(sample_dir: Path) -> dict[str, ParsedDocument]:
    """Every sample file parsed once (without metadata.csv), keyed by its prefix ("003")."""
    return {path.name[:3]: load_document(path) for path in sorted(sample_dir.glob("*.txt"))}


@pytest.fixture(scope="session")
def check_document() -> Callable[[ParsedDocument], None]:
    """The invariants every parsed document must satisfy (see `_check_document`)."""
    return _check_document


def _check_document(doc: ParsedDocument) -> None:
    """Passages are ordered and located exactly; no character is lost; every sentence is in
    one passage, a heading, or a dropped line."""
    text = doc.text
    lines = text.split("\n")
    for ordinal, passage in enumerate(doc.passages):
        assert passage.ordinal == ordinal
        piece = text[passage.char_start : passage.char_end]
        assert piece == piece.strip() and piece, "passage spans are trimmed and non-empty"
        assert passage.text == " ".join(piece.split())
        assert text.count("\n", 0, passage.char_start) + 1 == passage.line_start
        assert text.count("\n", 0, passage.char_end) + 1 == passage.line_end
        assert lines[passage.line_start - 1].strip() and lines[passage.line_end - 1].strip()
    starts = [p.char_start for p in doc.passages]
    assert starts == sorted(starts)
    owners = _owner_map(doc)
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert owners[i] is not None, f"char {i} ({text[i - 20 : i + 20]!r}) was lost"
    for start, end in split_sentences(text):
        _check_sentence_in_one_passage(text, owners, start, end)


def _owner_map(doc: ParsedDocument) -> list[str | None]:
    """For each character of doc.text, what holds it: 'p<ordinal>', 'heading', 'dropped'."""
    owners: list[str | None] = [None] * len(doc.text)
    starts = _line_starts(doc.text)
    for passage in doc.passages:
        for i in range(passage.char_start, passage.char_end):
            assert owners[i] is None, f"passages overlap at char {i}"
            owners[i] = f"p{passage.ordinal}"
    for heading in doc.headings:
        _claim_line(doc.text, starts, heading.line, "heading", owners)
    for dropped in doc.dropped:
        _claim_line(doc.text, starts, dropped.line, "dropped", owners)
    return owners


def _line_starts(text: str) -> list[int]:
    return [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]


def _claim_line(text: str, starts: list[int], line: int, kind: str, owners: list[str | None]):
    start = starts[line - 1]
    end = text.find("\n", start)
    end = len(text) if end == -1 else end
    for i in range(start, end):
        if not text[i].isspace():
            assert owners[i] in (None, kind), f"line {line} is both {owners[i]} and {kind}"
            owners[i] = kind


def _check_sentence_in_one_passage(text: str, owners: list[str | None], start: int, end: int):
    """A sentence may only change passage where a heading or dropped line cuts through it."""
    current, interrupted = None, False
    for i in range(start, end):
        owner = owners[i]
        if text[i].isspace() or owner is None:
            continue
        if not owner.startswith("p"):
            interrupted = True
            continue
        assert current in (None, owner) or interrupted, (
            f"sentence {text[start:end]!r} is split between {current} and {owner}"
        )
        current, interrupted = owner, False
