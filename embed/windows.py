"""Cutting text that is longer than a model's limit into overlapping windows.

Pure functions over token offsets, so they are testable without a model.
"""

from __future__ import annotations

from collections.abc import Sequence


def make_windows(
    token_offsets: Sequence[tuple[int, int]], max_tokens: int, overlap: int
) -> list[tuple[int, int]]:
    """Char spans of windows of at most `max_tokens` tokens, consecutive windows sharing
    `overlap` tokens. Every token lies in at least one window; text of up to `max_tokens`
    tokens is one window. An empty token list gives no windows.
    """
    if max_tokens < 1 or not 0 <= overlap < max_tokens:
        raise ValueError(f"need max_tokens >= 1 and 0 <= overlap < max_tokens, got "
                         f"{max_tokens} and {overlap}")
    count = len(token_offsets)
    if count == 0:
        return []
    stride = max_tokens - overlap
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(start + max_tokens, count)
        spans.append((token_offsets[start][0], token_offsets[end - 1][1]))
        if end == count:
            return spans
        start += stride
