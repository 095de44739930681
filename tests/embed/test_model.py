"""The bundled model loads offline and its windows fit its limit."""

from __future__ import annotations

import numpy as np

from embed import make_windows


def test_bundled_model_gives_unit_vectors_offline(real_encoder) -> None:  # noqa: ANN001
    vectors = real_encoder.encode(["The Taiwan question", "trade between China and the US"])
    assert vectors.shape == (2, real_encoder.dimension) == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert real_encoder.name == "sentence-transformers/all-MiniLM-L6-v2"


def test_windows_of_a_long_text_fit_the_model_limit(real_encoder) -> None:  # noqa: ANN001
    text = " ".join(f"Sentence number {i} talks about cooperation." for i in range(200))
    offsets = real_encoder.token_offsets(text)
    assert len(offsets) > real_encoder.max_tokens  # the case windows exist for
    windows = make_windows(offsets, real_encoder.max_tokens, 32)
    assert len(windows) > 1
    for start, end in windows:
        assert len(real_encoder.token_offsets(text[start:end])) <= real_encoder.max_tokens
    assert windows[0][0] == 0 and windows[-1][1] == len(text.rstrip())
