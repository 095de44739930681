"""The Encoder protocol every layer above relies on, and the window settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

ProgressFn = Callable[[int], None]  # called with the number of texts just encoded


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str  # identity recorded in an index's manifest
    max_tokens: int  # word pieces a window may hold (special tokens excluded)

    @property
    def dimension(self) -> int: ...

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """Char spans of the model's word pieces in `text`, special tokens excluded."""
        ...

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        """A (len(texts), dimension) float32 array of unit vectors."""
        ...


Ranges = tuple[tuple[int, int], ...]  # char ranges of one text whose word pieces form a unit


@runtime_checkable
class PoolingEncoder(Encoder, Protocol):
    """An encoder that can also give vectors of parts of a text from the same forward pass:
    the word-piece vectors of the part (and of the text's special tokens), read in the
    context of the whole text, pooled as the model pools a text and passed through what
    follows its pooling (Dense, Normalize). One pass then embeds a window and its sentences.
    Encoders of models that pool otherwise (CLS, last token) do not offer it, and their
    sentences are encoded on their own."""

    def encode_pooled(self, texts: Sequence[str], units: Sequence[Sequence[Ranges]],
                      progress: ProgressFn | None = None) -> np.ndarray:
        """For each text, a unit vector per entry of `units[i]`, all rows in order."""
        ...


def unit_masks(offsets: Sequence[tuple[int, int]], units: Sequence[Ranges]) -> np.ndarray:
    """Which of a text's word pieces make each unit: (len(units), len(offsets)) booleans.
    A unit holds the pieces overlapping its ranges and the special tokens (offset (0, 0)),
    which always count; `offsets` are one text's word pieces as the model read them."""
    starts = np.array([a for a, _ in offsets])
    ends = np.array([b for _, b in offsets])
    special = ends <= starts
    out = np.zeros((len(units), len(offsets)), dtype=bool)
    for row, ranges in enumerate(units):
        chosen = special.copy()
        for a, b in ranges:
            chosen |= (starts < b) & (ends > a) & ~special
        out[row] = chosen
    return out


def pool(tokens: np.ndarray, offsets: Sequence[tuple[int, int]],
         units: Sequence[Ranges]) -> np.ndarray:
    """Mean word-piece vectors of each unit (see `unit_masks`); `tokens` and `offsets` are
    one text's word pieces as the model read them."""
    masks = unit_masks(offsets, units)
    return np.stack([tokens[m].mean(axis=0) for m in masks]) if len(masks) else np.zeros(
        (0, tokens.shape[1]), dtype=np.float32)


@dataclass(frozen=True)
class WindowSettings:
    """How passages longer than the model's limit are cut; part of an index's fingerprint."""

    max_tokens: int | None = None  # None: the model's own limit
    overlap: int = 32

    def tokens_for(self, encoder: Encoder) -> int:
        if self.max_tokens is None:
            return encoder.max_tokens
        return min(self.max_tokens, encoder.max_tokens)

    def overlap_for(self, max_tokens: int) -> int:
        # A small model limit must still leave windows room to advance.
        return min(self.overlap, max_tokens // 2)


def by_length(texts: Sequence[str], size: int) -> Iterator[list[int]]:
    """Positions of `texts` in batches of `size`, shortest texts first, so that each batch
    pads little; callers write results back by position, which restores their order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), size):
        yield order[start : start + size]


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
