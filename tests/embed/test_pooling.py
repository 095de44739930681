"""Vectors of a text's parts pooled from one forward pass (a window and its sentences)."""

from __future__ import annotations

import numpy as np
import pytest

from embed.encoder import pool


def test_a_part_is_the_mean_of_its_word_pieces_and_the_special_tokens() -> None:
    tokens = np.array([[1.0, 0.0], [0.0, 2.0], [4.0, 0.0], [0.0, 0.0]])
    offsets = [(0, 0), (0, 5), (6, 11), (0, 0)]  # [CLS] hello world [SEP]
    whole, world = pool(tokens, offsets, [((0, 11),), ((6, 11),)])
    assert whole == pytest.approx(tokens.mean(axis=0))
    assert world == pytest.approx(tokens[[0, 2, 3]].mean(axis=0))


def test_several_ranges_make_one_part() -> None:
    tokens = np.eye(4)
    offsets = [(0, 0), (0, 3), (4, 7), (8, 11)]
    (part,) = pool(tokens, offsets, [((0, 3), (8, 11))])
    assert part == pytest.approx(tokens[[0, 1, 3]].mean(axis=0))


def test_the_whole_text_pooled_is_the_models_own_embedding(real_encoder) -> None:  # noqa: ANN001
    text = "The Federal Reserve raised interest rates. Exports to Europe fell sharply."
    (pooled,) = real_encoder.encode_pooled([text], [[((0, len(text)),)]])
    (alone,) = real_encoder.encode([text])
    assert float(pooled @ alone) > 0.9999


def test_a_pooled_sentence_is_nearest_its_own_meaning(real_encoder) -> None:  # noqa: ANN001
    first = "The central bank raised interest rates."
    second = "Wheat harvests failed in the drought."
    text = f"{first} {second}"
    units = [((0, len(first)),), ((len(first) + 1, len(text)),)]
    pooled = real_encoder.encode_pooled([text], [units])
    alone = real_encoder.encode([first, second])
    similarity = pooled @ alone.T
    assert similarity[0, 0] > similarity[0, 1]
    assert similarity[1, 1] > similarity[1, 0]


def test_batches_by_length_cover_every_text_once_shortest_first() -> None:
    from embed.encoder import by_length

    texts = ["ccc", "a", "bbbb", "dd", "e"]
    batches = list(by_length(texts, 2))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert sorted(i for b in batches for i in b) == list(range(5))
    assert [len(texts[i]) for b in batches for i in b] == [1, 1, 2, 3, 4]
