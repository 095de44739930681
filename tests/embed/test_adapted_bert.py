"""A model adapted by low-rank deltas: the numpy forward pass with W + B A gives the vectors
the same model gives with those weights in torch (sentence-transformers), and deltas that do
not fit the model are refused."""

from __future__ import annotations

import numpy as np
import pytest

from embed import DEFAULT_MODEL
from embed.adapted_bert import AdaptationNotAvailable, AdaptedBertEncoder
from embed.models import local_model_dir

TEXTS = ["China opposes Taiwan independence.", "trade",
         "Trade volume between China and the United States reached US$211.6 billion in 2005."]
QUERY = "encoder.layer.2.attention.self.query"
INNER = "encoder.layer.5.intermediate.dense"


def _deltas() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    return {QUERY: (rng.normal(0, 0.05, (384, 4)), rng.normal(0, 0.05, (4, 384))),
            INNER: (rng.normal(0, 0.05, (1536, 4)), rng.normal(0, 0.05, (4, 384)))}


def test_the_adapted_numpy_model_is_the_torch_model_with_the_deltas_added() -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    folder = local_model_dir(DEFAULT_MODEL)
    adapted = AdaptedBertEncoder(folder, "adapted", _deltas())
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    base = model.encode(TEXTS, normalize_embeddings=True)
    with torch.no_grad():
        for name, (b, a) in _deltas().items():
            model[0].auto_model.get_submodule(name).weight += torch.from_numpy(
                (b @ a).astype(np.float32))
    expected = model.encode(TEXTS, normalize_embeddings=True)
    got = adapted.encode(TEXTS)
    assert np.all((got * expected).sum(axis=1) > 0.9999)
    # and the deltas changed the vectors: it is not the base model
    assert np.all((got * base).sum(axis=1) < 0.9999)


def test_deltas_of_another_shape_are_refused() -> None:
    folder = local_model_dir(DEFAULT_MODEL)
    with pytest.raises(AdaptationNotAvailable, match="does not fit"):
        AdaptedBertEncoder(folder, "adapted", {QUERY: (np.zeros((512, 4)), np.zeros((4, 384)))})
    with pytest.raises(AdaptationNotAvailable, match="does not fit"):
        AdaptedBertEncoder(folder, "adapted", {"encoder.layer.9.output.dense":
                                               (np.zeros((384, 4)), np.zeros((4, 1536)))})
