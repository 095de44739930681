"""Passages from paragraph segments: offsets, line spans, headings, over-long splitting."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from .lines import Line
from .paragraphs import HEADING, PARAGRAPH, Segment
from .sentences import split_sentences
from .types import Passage

# Longer paragraphs are cut at sentence boundaries so that a result stays readable.
MAX_PASSAGE_CHARS = 4000


def build_passages(
    text: str,
    lines: Sequence[Line],
    segments: Sequence[Segment],
    max_chars: int = MAX_PASSAGE_CHARS,
    hidden: Sequence[tuple[int, int]] = (),
) -> list[Passage]:
    """One passage per paragraph segment (several if longer than `max_chars`), in order.

    Each passage is labelled with the nearest heading above it (bylines label nothing).
    `hidden` spans (sorted; a PDF's running headers at page breaks, which a paragraph runs
    over) are left out of a passage's text, though inside its offsets.
    """
    starts = [line.start for line in lines]
    passages: list[Passage] = []
    heading: str | None = None
    for seg in segments:
        if seg.kind == HEADING:
            heading = seg.text
        if seg.kind != PARAGRAPH:
            continue
        for start, end in split_long(text, *seg.span, max_chars):
            passages.append(
                Passage(
                    ordinal=len(passages),
                    text=" ".join(_visible(text, start, end, hidden).split()),
                    char_start=start,
                    char_end=end,
                    line_start=bisect_right(starts, start),
                    line_end=bisect_right(starts, end - 1),
                    heading=heading,
                )
            )
    return passages


def _visible(text: str, start: int, end: int, hidden: Sequence[tuple[int, int]]) -> str:
    """text[start:end] without the `hidden` spans inside it."""
    if not hidden:
        return text[start:end]
    parts: list[str] = []
    for s, e in hidden[bisect_left(hidden, (start, start)):]:
        if s >= end:
            break
        parts.append(text[start:s])
        start = max(start, e)
    parts.append(text[start:end])
    return " ".join(parts)


def split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut text[start:end] into spans of at most `max_chars`, at sentence boundaries if possible."""
    if end - start <= max_chars:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    for s, e in split_sentences(text[start:end]):
        s, e = s + start, e + start
        if pieces and e - pieces[-1][0] <= max_chars:
            pieces[-1] = (pieces[-1][0], e)
        elif e - s <= max_chars:
            pieces.append((s, e))
        else:
            pieces.extend(_split_at_spaces(text, s, e, max_chars))
    return pieces


def _split_at_spaces(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Last resort for a 'sentence' longer than `max_chars`: cut at the last space that fits."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        window = text[start : start + max_chars + 1]
        cut = max(window.rfind(" "), window.rfind("\n"))
        cut = start + cut if cut > 0 else start + max_chars
        pieces.append(_trim(text, start, cut))
        start = _trim(text, cut, end)[0]
    pieces.append((start, end))
    return pieces


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
