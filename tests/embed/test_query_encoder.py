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
