"""Picking the sentence of a passage that best matches the question."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from corpus import split_sentences
from indexes.lexical import query_terms

EncodeFn = Callable[[Sequence[str]], np.ndarray]
_WORD = re.compile(r"\w+")


def sentences(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in split_sentences(text) if text[a:b].strip()]


def _stem(word: str) -> str:
    # A light suffix strip, enough to match "relations"/"relation", "said"/"say" is left out.
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _overlap(question_terms: set[str], sentence: str) -> float:
    words = {_stem(w.lower()) for w in _WORD.findall(sentence)}
    return len(question_terms & words) / (len(question_terms) or 1)


def best_sentences(
    question: str,
    passages: Sequence[str],
    query_vector: np.ndarray | None = None,
    encode: EncodeFn | None = None,
) -> list[str]:
    """For each passage, its sentence closest to the question: by embedding similarity when
    an encoder is at hand (one batch for all passages), plus word overlap as a tie-breaker;
    by word overlap alone otherwise."""
    split = [sentences(p) or [p] for p in passages]
    terms = {_stem(t) for t in query_terms(question)}
    semantic: list[np.ndarray] | None = None
    if query_vector is not None and encode is not None:
        flat = [s for group in split for s in group]
        scores = encode(flat) @ query_vector.reshape(-1)
        semantic, start = [], 0
        for group in split:
            semantic.append(scores[start : start + len(group)])
            start += len(group)
    best = []
    for i, group in enumerate(split):
        lexical = np.array([_overlap(terms, s) for s in group])
        total = lexical * 0.1 + (semantic[i] if semantic is not None else lexical)
        best.append(group[int(np.argmax(total))])
    return best
