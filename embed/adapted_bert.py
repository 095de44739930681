"""A model adapted by low-rank deltas (LoRA), run by the numpy forward pass of embed.numpy_bert.

A task that needs vectors other than the model's own (the claim matcher of parallax.stance:
sentences embedded so that "this sentence makes that claim" is a product of vectors) ships a
few small matrices rather than a copy of the model: for a weight W (out × in) of the base
model, B (out × r) and A (r × in) with W' = W + B A. They are added once, when the encoder is
built; the forward pass is then the base model's, at its cost. Nothing is downloaded: the base
weights are the local model's (the bundled all-MiniLM-L6-v2 by default)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from corpus.errors import Kind, ParallaxError
from embed.numpy_bert import NumpyBertEncoder, supports


class AdaptationNotAvailable(ParallaxError):
    """The deltas do not fit the model they are applied to."""

    kind = Kind.unavailable


class AdaptedBertEncoder(NumpyBertEncoder):
    """NumpyBertEncoder whose weights are the base model's plus low-rank deltas."""

    def __init__(self, model_dir: Path, name: str,
                 deltas: Mapping[str, tuple[np.ndarray, np.ndarray]],
                 replaced: Mapping[str, np.ndarray] | None = None) -> None:
        """`deltas` maps a weight's name without its model prefix and ".weight" (e.g.
        "encoder.layer.0.attention.self.query") to (B, A); `replaced` maps such names to
        whole new weights of the same shape (small tables trained in full, such as
        "embeddings.token_type_embeddings" for a model that reads sentence pairs)."""
        if not supports(model_dir):
            raise AdaptationNotAvailable(
                f"the model in {model_dir} cannot run on the numpy forward pass",
                "Adapted encoders need a BERT model with mean pooling (as all-MiniLM-L6-v2).")
        self._deltas = deltas
        self._replaced = replaced or {}
        super().__init__(model_dir, name)

    def _adjust_weights(self) -> None:
        for key, (b, a) in self._deltas.items():
            full = self._prefix + key + ".weight"
            base = self._weights.get(full)
            if base is None or base.shape != (b.shape[0], a.shape[1]):
                raise AdaptationNotAvailable(
                    f"the adaptation of {key} does not fit the model in {self.model_dir}",
                    "The deltas were trained for another model; use the model they name.")
            self._weights[full] = (base + b.astype(np.float32) @ a.astype(np.float32))
        for key, weight in self._replaced.items():
            full = self._prefix + key + ".weight"
            base = self._weights.get(full)
            if base is None or base.shape != weight.shape:
                raise AdaptationNotAvailable(
                    f"the replacement of {key} does not fit the model in {self.model_dir}",
                    "The weights were trained for another model; use the model they name.")
            self._weights[full] = weight.astype(np.float32)
