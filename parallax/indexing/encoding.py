"""Embedding one batch of passages: their units encoded (sentence runs pooled from their
windows when the model can), progress shared out by the texts done. The one function every
engine calls (`embed_passages`), in this process or on a Ray worker."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embed import Encoder
from embed.encoder import PoolingEncoder, Ranges
from parallax.indexing.report import IndexProgress
from parallax.indexing.units import PassageSource, PassageUnits, passage_units
from parallax.settings import IndexSettings

# Per document of a batch: its context lines, unit spans and vectors (one per span, in order).
EmbeddedPiece = tuple[list[str], list[list[tuple[int, int]]], np.ndarray]


def embed_passages(pieces: Sequence[tuple[PassageSource, range]], encoder: Encoder,
                   settings: IndexSettings,
                   progress: IndexProgress | None = None) -> list[EmbeddedPiece]:
    """Passages `indices` of each document, embedded in one batch; passages done are
    reported to `progress.advanced` as the encoder goes."""
    units = [[passage_units(doc, i, encoder, settings) for i in indices]
             for doc, indices in pieces]
    flat = [unit for doc_units in units for unit in doc_units]
    advance = ProgressShare(progress or IndexProgress(), len(flat))
    pooled = settings.sentence_vectors == "pooled" and isinstance(encoder, PoolingEncoder)
    vectors = (encode_pooled(flat, encoder, advance) if pooled  # type: ignore[arg-type]
               else encode_separately(flat, encoder, advance))
    out, offset = [], 0
    for doc_units in units:
        count = sum(len(unit.spans) for unit in doc_units)
        out.append(([u.context for u in doc_units], [u.spans for u in doc_units],
                    np.ascontiguousarray(vectors[offset:offset + count])))
        offset += count
    advance.complete()
    return out


class ProgressShare:
    """Reports a batch's passages as done in proportion to the texts the encoder has done,
    so that progress moves every model batch, not once per batch of passages."""

    def __init__(self, progress: IndexProgress, passages: int) -> None:
        self.progress, self.passages = progress, passages
        self.texts = self.done_texts = self.reported = 0

    def __call__(self, count: int) -> None:
        self.done_texts += count
        if self.texts:
            self._report(min(self.passages, self.passages * self.done_texts // self.texts))

    def complete(self) -> None:
        self._report(self.passages)

    def _report(self, passages: int) -> None:
        if passages > self.reported:
            self.progress.advanced(passages - self.reported)
            self.reported = passages


def encode_separately(units: list[PassageUnits], encoder: Encoder,
                      advance: ProgressShare) -> np.ndarray:
    """Every window and every sentence run encoded on its own, behind the context line."""
    texts = [u.prefix + u.text[a:b] for u in units for a, b in u.spans]
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    advance.texts = len(texts)
    return encoder.encode(texts, progress=advance)


def encode_pooled(units: list[PassageUnits], encoder: PoolingEncoder,
                  advance: ProgressShare) -> np.ndarray:
    """Windows encoded (behind the context line), and each sentence run pooled from the
    window that holds most of it: a sentence's vector is read in its paragraph's context at
    no extra model cost, instead of encoding every sentence again."""
    texts: list[str] = []
    pooled: list[list[Ranges]] = []  # per window text: the whole text, then its sentences
    rows: list[list[int]] = []  # per window text: where each pooled vector goes
    place = 0  # position of the passage's first unit among all units
    for unit in units:
        first = len(texts)
        for number, (a, b) in enumerate(unit.windows):
            texts.append(unit.prefix + unit.text[a:b])
            pooled.append([((0, len(texts[-1])),)])
            rows.append([place + number])
        for number, (s, e) in enumerate(unit.sentences):
            w = max(range(len(unit.windows)), key=lambda i: _overlap(unit.windows[i], (s, e)))
            a, b = unit.windows[w]
            shift = len(unit.prefix) - a
            # The sentence's own word pieces only: they have read the context line through
            # attention already, and averaging its tokens in (measured) made the sentences
            # of one document alike and ranked worse.
            pooled[first + w].append(((max(s, a) + shift, min(e, b) + shift),))
            rows[first + w].append(place + len(unit.windows) + number)
        place += len(unit.spans)
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    advance.texts = len(texts)
    vectors = encoder.encode_pooled(texts, pooled, progress=advance)
    out = np.empty_like(vectors)
    out[np.array([row for text_rows in rows for row in text_rows], dtype=np.int64)] = vectors
    return out


def _overlap(window: tuple[int, int], span: tuple[int, int]) -> int:
    return min(window[1], span[1]) - max(window[0], span[0])
