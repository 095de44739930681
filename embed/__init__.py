"""Text -> vectors. Importing this package is cheap; a model loads only on `load_encoder`."""

from __future__ import annotations

from embed.encoder import Encoder, ProgressFn, WindowSettings, normalise
from embed.models import DEFAULT_MODEL, ModelNotAvailable, local_model_dir, model_identity
from embed.windows import make_windows


def load_encoder(name: str | None = None) -> Encoder:
    """Load a sentence-transformers model (the bundled default when `name` is None): a
    PoolingEncoder when its pipeline can pool parts of a text, else a plain Encoder.
    Raises ModelNotAvailable, with a one-line message naming the model, if it cannot load."""
    from embed.models import sentence_transformer_encoder

    return sentence_transformer_encoder(name)


def load_query_encoder(name: str | None = None) -> Encoder:
    """The fastest encoder that gives the same vectors as `load_encoder(name)`: a numpy
    forward pass when the model allows it (no torch import), else sentence-transformers."""
    from embed import numpy_bert

    folder = local_model_dir(name or DEFAULT_MODEL)
    if folder is not None and numpy_bert.supports(folder):
        return numpy_bert.NumpyBertEncoder(folder, model_identity(name))
    return load_encoder(name)


__all__ = [
    "DEFAULT_MODEL",
    "Encoder",
    "ModelNotAvailable",
    "ProgressFn",
    "WindowSettings",
    "load_encoder",
    "load_query_encoder",
    "make_windows",
    "model_identity",
    "normalise",
]
