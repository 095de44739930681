"""What a passage is embedded as: its context line, its windows and its sentence runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from corpus import split_sentences
from corpus.types import Metadata, Passage
from embed import Encoder, make_windows
from parallax.indexing.context import passage_context
from parallax.settings import IndexSettings


class PassageSource(Protocol):
    """What `passage_units` reads of a document: a ParsedDocument, or the part of one a
    Ray worker is sent."""

    @property
    def metadata(self) -> Metadata: ...
    @property
    def passages(self) -> object: ...  # indexable by passage number


@dataclass(frozen=True)
class PassageUnits:
    """What a passage is embedded as: its context line (prefixed to every unit), its
    windows, then its sentence runs, as char spans of the passage text."""

    context: str
    prefix: str
    text: str
    windows: list[tuple[int, int]]
    sentences: list[tuple[int, int]]

    @property
    def spans(self) -> list[tuple[int, int]]:
        return self.windows + self.sentences


def passage_units(doc: PassageSource, index: int, encoder: Encoder,
                  settings: IndexSettings) -> PassageUnits:
    """Passage `index` of a document: its context and the char spans of its embedding units."""
    passage: Passage = doc.passages[index]  # type: ignore[index]
    limit = settings.windows.tokens_for(encoder)
    context = passage_context(doc.metadata, passage.heading)
    prefix = context + "\n" if settings.context and context else ""
    # The prefix takes part of the model's limit; keep at least half for the text.
    room = max(limit // 2, limit - len(encoder.token_offsets(prefix)) - 1)
    windows = make_windows(encoder.token_offsets(passage.text), room,
                           settings.windows.overlap_for(room))
    sentences = sentence_runs(passage.text, settings.sentence_units, set(windows))
    return PassageUnits(context, prefix, passage.text, windows, sentences)


def sentence_runs(text: str, sizes: tuple[int, ...],
                  taken: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of every run of `size` consecutive sentences, for each size, skipping spans
    already embedded (a one-sentence passage is its own window)."""
    sentences = split_sentences(text)
    runs: list[tuple[int, int]] = []
    for size in sizes:
        for i in range(len(sentences) - size + 1):
            span = (sentences[i][0], sentences[i + size - 1][1])
            if span not in taken:
                taken.add(span)
                runs.append(span)
    return runs
