"""The numpy query encoder gives the vectors sentence-transformers gives."""

from __future__ import annotations

import numpy as np

from embed import load_query_encoder

TEXTS = [
    "What did China say about Taiwan?",
    "trade",
    "The Taiwan question concerns China’s national sovereignty and territorial integrity.",
    "Ünïcödé, curly “quotes” and numbers like US$211.6 billion in 2005.",
    " ".join(f"word{i} cooperation" for i in range(400)),  # past the limit: truncated alike
]


def test_numpy_query_vectors_match_sentence_transformers(real_encoder) -> None:  # noqa: ANN001
    fast = load_query_encoder()
    assert type(fast).__name__ == "NumpyBertEncoder"
    assert (fast.name, fast.dimension, fast.max_tokens) == (
        real_encoder.name, real_encoder.dimension, real_encoder.max_tokens)
    cosines = (fast.encode(TEXTS) * real_encoder.encode(TEXTS)).sum(axis=1)
    assert np.all(cosines > 0.9999), cosines


def test_numpy_tokenizer_offsets_match(real_encoder) -> None:  # noqa: ANN001
    fast = load_query_encoder()
    for text in TEXTS:
        assert fast.token_offsets(text) == real_encoder.token_offsets(text)


def test_many_texts_come_back_in_the_callers_order(real_encoder) -> None:  # noqa: ANN001
    # More texts than one batch, longest first: batching by length must not reorder them.
    texts = [" ".join(["relations"] * (60 - i)) + f" number {i}" for i in range(45)]
    fast = load_query_encoder()
    one_by_one = np.stack([fast.encode([t])[0] for t in texts])
    for encoder in (fast, real_encoder):
        cosines = (encoder.encode(texts) * one_by_one).sum(axis=1)
        assert np.all(cosines > 0.9999), cosines
