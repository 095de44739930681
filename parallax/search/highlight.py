"""Picking the sentence of a passage that best matches the question."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from corpus import split_sentences
from indexes.lexical.fts import has_cjk, search_terms, word_tokens

Span = tuple[int, int]


@lru_cache(maxsize=1 << 16)  # a question's highlights stem about 2,000 words, mostly repeats
def _stem(word: str) -> str:
    # A light suffix strip, enough to match "relations" with "relation".
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _overlap(terms: set[str], sentence: str) -> float:
    """The share of the question's terms the sentence holds: words stemmed; CJK terms
    (pairs of characters, as the lexical search uses them) wherever they stand."""
    words = {_stem(w) for w in word_tokens(sentence.lower())}
    held = sum(1 for t in terms if (t in words or has_cjk(t) and t in sentence))
    return held / (len(terms) or 1)


def _semantic(span: Span, unit_scores: Mapping[Span, float]) -> float:
    """A sentence's similarity: its own unit's if it was embedded alone, else the best of
    the windows that overlap it."""
    if span in unit_scores:
        return unit_scores[span]
    overlapping = [s for (a, b), s in unit_scores.items() if a < span[1] and span[0] < b]
    return max(overlapping, default=0.0)


def best_sentence(question: str, text: str,
                  unit_scores: Mapping[Span, float] | None = None) -> str:
    """The sentence of `text` closest to the question: by the similarity of the embedded
    units the index already holds for it (no new embedding), with word overlap as the
    tie-breaker; by word overlap alone when there are no vectors (lexical mode)."""
    spans = [(a, b) for a, b in split_sentences(text) if text[a:b].strip()]
    if not spans:
        return text
    terms = {t if has_cjk(t) else _stem(t) for t in search_terms(question)}

    def score(span: Span) -> float:
        lexical = _overlap(terms, text[span[0]:span[1]])
        if unit_scores is None:
            return lexical
        return _semantic(span, unit_scores) + 0.1 * lexical

    a, b = max(spans, key=score)
    return text[a:b].strip()


def best_sentences(question: str, texts: Sequence[str],
                   unit_scores: Sequence[Mapping[Span, float]] | None = None) -> list[str]:
    return [best_sentence(question, text, unit_scores[i] if unit_scores else None)
            for i, text in enumerate(texts)]
