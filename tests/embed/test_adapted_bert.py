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


def test_a_pair_is_read_as_bert_reads_sentence_pairs_with_token_types() -> None:
    """pair_states are the torch model's mean last-layer vectors of each text of
    "[CLS] a [SEP] b [SEP]" read with token types 0 then 1, here with deltas and a replaced
    token-type table."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = local_model_dir(DEFAULT_MODEL)
    types = np.random.default_rng(1).normal(0, 0.05, (2, 384)).astype(np.float32)
    adapted = AdaptedBertEncoder(folder, "adapted", _deltas(),
                                 {"embeddings.token_type_embeddings": types})
    firsts = ["China opposes Taiwan independence.", "Trade helps both countries."]
    seconds = [TEXTS[2], "The two sides agreed that trade benefits them both."]
    got = adapted.pair_states(firsts, seconds, max_pieces=24)
    model = AutoModel.from_pretrained(str(folder), add_pooling_layer=False)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    with torch.no_grad():
        for name, (b, a) in _deltas().items():
            model.get_submodule(name).weight += torch.from_numpy((b @ a).astype(np.float32))
        model.embeddings.token_type_embeddings.weight.copy_(torch.from_numpy(types))
        batch = tokenizer(firsts, seconds, padding=True, truncation="longest_first",
                          max_length=24, return_tensors="pt")
        assert batch["token_type_ids"].sum() > 0  # the second text is read as type 1
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].float()
        second = (mask * batch["token_type_ids"]).unsqueeze(-1)
        first = mask.unsqueeze(-1) - second
        expected = np.stack([((hidden * m).sum(1) / m.sum(1)).numpy() for m in (first, second)],
                            axis=1)
    assert got.shape == (2, 2, 384)
    assert np.allclose(got, expected, atol=2e-4)
    # the order of the pair matters: attention reads both, each with its own type
    swapped = adapted.pair_states(seconds, firsts, max_pieces=24)
    assert not np.allclose(got, swapped, atol=1e-2)


def test_a_replaced_table_of_another_shape_is_refused() -> None:
    folder = local_model_dir(DEFAULT_MODEL)
    with pytest.raises(AdaptationNotAvailable, match="does not fit"):
        AdaptedBertEncoder(folder, "adapted", {}, {"embeddings.token_type_embeddings":
                                                   np.zeros((3, 384))})
