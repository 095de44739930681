"""The numpy query encoder gives the vectors sentence-transformers gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embed import load_query_encoder, numpy_bert

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


def test_gelu_is_berts_exact_gelu_to_float32_precision() -> None:
    erfc = pytest.importorskip("scipy.special").erfc
    x = np.concatenate([np.linspace(-12, 12, 200_001),
                        np.random.default_rng(0).normal(0, 3, 100_000)]).astype(np.float32)
    wide = x.astype(np.float64)
    exact = 0.5 * wide * erfc(-wide / np.sqrt(2))  # 1 + erf(z) would cancel for z << 0
    got = numpy_bert._gelu(x)
    assert got.dtype == np.float32
    assert np.max(np.abs(got - exact)) < 1e-6  # float32's own spacing near 12 is 1e-6
    # The negative side is small, not zero, and keeps its digits (float32's rounding of
    # x * x in the exponent leaves a few 1e-6 at x = -7): 1 + erf(z) in float32 would cancel.
    small = (x < 0) & (np.abs(exact) > 1e-12)
    assert np.max(np.abs(got[small] - exact[small]) / np.abs(exact[small])) < 1e-5


def test_a_question_is_embedded_without_importing_scipy_or_torch() -> None:
    # A cold hybrid `ask` pays for every import: scipy.special alone took 0.2-0.35 s.
    script = ("import sys\nfrom embed import load_query_encoder\n"
              "load_query_encoder().encode(['What did China say about Taiwan?'])\n"
              "print([m for m in ('scipy', 'torch', 'sentence_transformers') "
              "if m in sys.modules])\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_padding_in_a_batch_does_not_change_a_texts_vector() -> None:
    """Only attention sees a batch padded to its longest text; the rest of the model runs on
    the real word pieces alone: a short text batched with a long one (padded by 100 word
    pieces) gets its vector alone, to float32 rounding."""
    fast = load_query_encoder()
    short = "Trade between the two countries is mutually beneficial."
    long = " ".join(["The two presidents spoke by telephone about trade."] * 10)
    batched = fast.encode([short, long])
    np.testing.assert_allclose(batched[0], fast.encode([short])[0], atol=1e-6)
    np.testing.assert_allclose(batched[1], fast.encode([long])[0], atol=1e-6)


def test_gelu_by_blocks_of_rows_is_gelu() -> None:
    x = np.random.default_rng(1).normal(0, 3, (150, 1536)).astype(np.float32)
    expected = numpy_bert._gelu(x)
    got = numpy_bert._gelu_rows(x, rows=64)  # in place, over 64 + 64 + 22 rows
    assert got is x
    np.testing.assert_array_equal(got, expected)
