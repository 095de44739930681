"""How an index's store lays itself out: which vector backend a segment gets, and when
segments are merged. A module of its own because the writer, the vector factory's caller and
the compaction policy all read it, and none of them should import another for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from indexes.vectors.quantised import DEFAULT_PRECISION, PRECISIONS


@dataclass(frozen=True)
class StoreSettings:
    """How the store lays itself out; none of it changes rankings beyond the approximate
    search's recall, so it is recorded in the manifest but not fingerprinted."""

    # A segment with more units than this gets an approximate vector store (IVF-PQ with
    # exact re-scoring); below it, a flat one. 250,000 units: 380 MB flat, ~40 ms a scan.
    approximate_above: int = 250_000
    # An index of at most this many live passages is always kept as one segment (merging
    # it costs about a second), so small collections rank exactly as a fresh build.
    compact_below: int = 50_000
    # Past this many segments, all but the largest are merged.
    max_segments: int = 8
    # Past this share of tombstoned passages, everything is merged.
    max_deleted_share: float = 0.25
    # The one copy of the vectors a segment keeps (indexes/vectors/quantised.py): "sq8"
    # (8 bits a dimension), "f16" or "f32". Segments already written keep theirs until a
    # merge rewrites them.
    precision: str = DEFAULT_PRECISION

    def as_dict(self) -> dict[str, float | str]:
        return {"approximate_above": self.approximate_above, "compact_below": self.compact_below,
                "max_segments": self.max_segments, "max_deleted_share": self.max_deleted_share,
                "precision": self.precision}

    @classmethod
    def from_env(cls) -> StoreSettings:
        """Defaults, with PARALLAX_APPROXIMATE_ABOVE overriding the threshold (to force the
        approximate backend on a small index, in tests and evaluations) and
        PARALLAX_VECTORS the precision (to measure one against another)."""
        settings = cls()
        value = os.environ.get("PARALLAX_APPROXIMATE_ABOVE")
        if value and value.isdigit():
            settings = replace(settings, approximate_above=int(value))
        precision = os.environ.get("PARALLAX_VECTORS", "").strip().lower()
        if precision in PRECISIONS:
            settings = replace(settings, precision=precision)
        return settings


DEFAULT_STORE = StoreSettings()
