"""The Encoder protocol every layer above relies on, and the window settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

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


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
