"""Unit vectors kept at less than float32: one copy per segment, at a precision chosen by
measurement (docs/scale.md, "One copy of the vectors").

- "sq8" (the default): each dimension scalar-quantised to 8 bits between that dimension's
  lowest and highest value in the segment, FAISS's `QT_8bit` (a code c stands for
  low + (c + 0.5) / 255 * (high - low)). 384 bytes a unit at 384 dimensions, a quarter of
  float32; on SciFact and ArguAna nDCG@10 moves by less than 0.001.
- "f16": half precision, half of float32.
- "f32": float32, what every segment held before; still written when asked for, and read.

A segment's range is its vectors' own, widened by the ranges of the segments merged into it:
a merge that adds nothing outside a source's range gives that source's units the same codes
again (decoding and encoding on one grid is exact), so the frequent merges of a small index
(one per run, indexes/compaction.py) do not blur its vectors run after run.
"""

from __future__ import annotations

import numpy as np

PRECISIONS = ("sq8", "f16", "f32")
DEFAULT_PRECISION = "sq8"


class Ranges:
    """Running per-dimension lowest and highest values of the vectors seen."""

    def __init__(self, dimension: int) -> None:
        self.low = np.full(dimension, np.inf, dtype=np.float32)
        self.high = np.full(dimension, -np.inf, dtype=np.float32)

    def add(self, vectors: np.ndarray) -> None:
        if len(vectors):
            np.minimum(self.low, vectors.min(axis=0), out=self.low)
            np.maximum(self.high, vectors.max(axis=0), out=self.high)

    def widen(self, table: np.ndarray) -> None:
        """Cover the range of an sq8 `table` (a merged segment's)."""
        low, span = table
        np.minimum(self.low, low, out=self.low)
        np.maximum(self.high, low + span, out=self.high)

    def table(self) -> np.ndarray:
        """FAISS's trained table for QT_8bit: the lows, then the spans (2 x dimension)."""
        seen = np.isfinite(self.low)
        low = np.where(seen, self.low, 0).astype(np.float32)
        span = np.where(seen, self.high - self.low, 0).astype(np.float32)
        return np.stack([low, span])


def decode_sq8(codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """float32 vectors of sq8 `codes` (rows of uint8), as FAISS decodes them."""
    low, span = table
    out = codes.astype(np.float32)
    out += 0.5
    out *= span / np.float32(255)
    out += low
    return out


def encode_sq8(vectors: np.ndarray, table: np.ndarray) -> np.ndarray:
    """uint8 codes of float32 `vectors`, as FAISS encodes them (truncating, clipped to the
    range; a dimension of zero span gets code 0)."""
    low, span = table
    safe = np.where(span > 0, span, 1).astype(np.float32)
    scaled = np.clip((vectors - low) / safe, 0, 1) * np.float32(255)
    scaled[:, span <= 0] = 0
    return scaled.astype(np.uint8)
