"""Text -> vectors. Importing this package is cheap; a model loads only on `load_encoder`."""

from __future__ import annotations

from embed.encoder import Encoder, ProgressFn, WindowSettings, normalise
from embed.models import DEFAULT_MODEL, ModelNotAvailable, model_identity
from embed.windows import make_windows


def load_encoder(name: str | None = None) -> Encoder:
    """Load a sentence-transformers model (the bundled default when `name` is None)."""
    from embed.models import SentenceTransformerEncoder

    return SentenceTransformerEncoder(name)


__all__ = [
    "DEFAULT_MODEL",
    "Encoder",
    "ModelNotAvailable",
    "ProgressFn",
    "WindowSettings",
    "load_encoder",
    "make_windows",
    "model_identity",
    "normalise",
]
