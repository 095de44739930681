"""Everything that changes passages or vectors. It is fingerprinted into the manifest, so
that an index built with other settings is refused instead of silently mis-ranking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embed.encoder import WindowSettings

# Bump when the corpus layer's splitting or cleaning changes what passages are.
SPLITTER_VERSION = 1
# What the lexical index stores: FTS5's tokenizer over the passages_lexical view, which sets
# every CJK character apart as a token of its own (indexes/schema.py).
LEXICAL_TOKENIZER = "porter unicode61 remove_diacritics 2; CJK characters as tokens"


@dataclass(frozen=True)
class IndexSettings:
    # The model's own limit (256 word pieces for MiniLM): with sentences as units of their
    # own, longer windows rank as well as 128 did (docs/quality.md) and embed fewer tokens.
    windows: WindowSettings = WindowSettings(max_tokens=256)
    # Prefix every window with its passage's context (title, author, date, heading).
    context: bool = True
    # Also embed runs of this many consecutive sentences of a passage as units of their own
    # (a passage scores as its best unit), so that one fact in a long paragraph is not
    # diluted by the rest. Empty: windows only.
    sentence_units: tuple[int, ...] = (1,)
    # "pooled": a sentence's vector is the mean of its word pieces in the window pass (no
    # extra model cost); "encoded": each sentence is encoded again on its own.
    sentence_vectors: str = "pooled"

    def as_dict(self) -> dict[str, Any]:
        return {
            "splitter": SPLITTER_VERSION,
            "window_max_tokens": self.windows.max_tokens,
            "window_overlap": self.windows.overlap,
            "lexical_tokenizer": LEXICAL_TOKENIZER,
            "context": self.context,
            "sentence_units": list(self.sentence_units),
            "sentence_vectors": self.sentence_vectors,
        }


DEFAULT_SETTINGS = IndexSettings()
