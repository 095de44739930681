"""Everything that changes passages or vectors. It is fingerprinted into the manifest, so
that an index built with other settings is refused instead of silently mis-ranking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embed.encoder import WindowSettings

# Bump when the corpus layer's splitting or cleaning changes what passages are.
SPLITTER_VERSION = 1
LEXICAL_TOKENIZER = "porter unicode61 remove_diacritics 2"


@dataclass(frozen=True)
class IndexSettings:
    windows: WindowSettings = WindowSettings()

    def as_dict(self) -> dict[str, Any]:
        return {
            "splitter": SPLITTER_VERSION,
            "window_max_tokens": self.windows.max_tokens,
            "window_overlap": self.windows.overlap,
            "lexical_tokenizer": LEXICAL_TOKENIZER,
        }


DEFAULT_SETTINGS = IndexSettings()
