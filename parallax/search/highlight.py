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


LEXICAL_WEIGHT = 0.1  # word overlap (0-1) breaks near-ties of similarity


class _Terms:
    """A question's terms as highlights match them: stemmed words, and CJK terms (pairs
    of characters, as the lexical search uses them), which match wherever they stand."""

    def __init__(self, question: str) -> None:
        terms = {t if has_cjk(t) else _stem(t) for t in search_terms(question)}
        self.cjk = [t for t in terms if has_cjk(t)]
        self.words = terms.difference(self.cjk)
        self.count = len(terms) or 1

    def overlap(self, sentence: str) -> float:
        """The share of the terms the sentence holds."""
        held = len(self.words.intersection(_stem(w) for w in word_tokens(sentence.lower())))
        held += sum(1 for t in self.cjk if t in sentence)
        return held / self.count


def _semantic(span: Span, unit_scores: Mapping[Span, float]) -> float:
    """A sentence's similarity: its own unit's if it was embedded alone, else the best of
    the windows that overlap it."""
    if span in unit_scores:
        return unit_scores[span]
    overlapping = [s for (a, b), s in unit_scores.items() if a < span[1] and span[0] < b]
    return max(overlapping, default=0.0)


def _best_sentence(terms: _Terms, text: str,
                   unit_scores: Mapping[Span, float] | None) -> str:
    spans = [(a, b) for a, b in split_sentences(text) if text[a:b].strip()]
    if not spans:
        return text
    if unit_scores is None:
        a, b = max(spans, key=lambda span: terms.overlap(text[span[0]:span[1]]))
        return text[a:b].strip()
    semantic = [_semantic(span, unit_scores) for span in spans]
    # Overlap adds at most LEXICAL_WEIGHT: a sentence further than that below the most
    # similar one cannot win, so its words are not read (the margin covers rounding).
    floor = max(semantic) - LEXICAL_WEIGHT - 1e-6
    scored = [(similarity + LEXICAL_WEIGHT * terms.overlap(text[span[0]:span[1]]), span)
              for span, similarity in zip(spans, semantic, strict=True) if similarity >= floor]
    a, b = max(scored, key=lambda pair: pair[0])[1]  # the first of equals, as before
    return text[a:b].strip()


def best_sentences(question: str, texts: Sequence[str],
                   unit_scores: Sequence[Mapping[Span, float]] | None = None) -> list[str]:
    """The sentence of each text closest to the question: by the similarity of the embedded
    units the index already holds for it (`unit_scores[i]`, no new embedding), with word
    overlap as the tie-breaker; by word overlap alone when there are no vectors (lexical
    mode)."""
    terms = _Terms(question)
    return [_best_sentence(terms, text, unit_scores[i] if unit_scores else None)
            for i, text in enumerate(texts)]
