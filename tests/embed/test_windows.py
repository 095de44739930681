"""Windows: text longer than the model's limit is covered, never truncated."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embed import make_windows


def _tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\S+", text)]


def test_short_text_is_one_window() -> None:
    text = "one two three"
    assert make_windows(_tokens(text), 5, 2) == [(0, len(text))]


def test_windows_overlap_by_the_given_number_of_tokens() -> None:
    text = "a b c d e f g"
    assert make_windows(_tokens(text), 3, 1) == [(0, 5), (4, 9), (8, 13)]


@given(st.integers(0, 300), st.integers(1, 40), st.data())
def test_every_token_is_in_a_window_and_no_window_exceeds_the_limit(
    count: int, max_tokens: int, data: st.DataObject
) -> None:
    overlap = data.draw(st.integers(0, max_tokens - 1))
    tokens = [(2 * i, 2 * i + 1) for i in range(count)]
    windows = make_windows(tokens, max_tokens, overlap)
    for start, end in windows:
        inside = [t for t in tokens if start <= t[0] and t[1] <= end]
        assert 1 <= len(inside) <= max_tokens
    covered = {t for t in tokens for s, e in windows if s <= t[0] and t[1] <= e}
    assert covered == set(tokens)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        make_windows([(0, 1)], 4, 4)
