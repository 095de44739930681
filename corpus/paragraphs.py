"""Split the kept lines of a text into headings, bylines and paragraphs.

Paragraphs are separated by blank lines (and by dropped boilerplate lines). Inside a block of
consecutive lines, a single newline also starts a new paragraph when the text clearly does so:
the previous line ends a sentence, the next line starts with a capital, and the previous line
is not a hard-wrapped line (it is either too long to be one, or visibly shorter than the
block's wrap width). Hard-wrapped prose is joined into one paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise

from .dates import is_dateline
from .lines import (
    Line,
    columns,
    ends_open,
    ends_sentence,
    is_heading_like,
    is_list_item,
    is_roman_numeral,
    is_table_row,
    is_title_case,
    markdown_heading,
    starts_upper,
)
from .sentences import ends_in_abbreviation, split_sentences

HEADING = "heading"  # a title or section heading: labels the passages below it
BYLINE = "byline"  # an author or date line: kept as a heading but labels nothing
PARAGRAPH = "paragraph"

# Hard wrapping happens at 72-100 columns; a longer line is a whole paragraph on one line.
# Widths are in display columns (lines.columns), so CJK lines are measured like Latin ones.
MAX_WRAPPED_LINE = 150
# A line shorter than this share of the block's width ended before the wrap margin.
SHORT_LINE_RATIO = 0.75
# Inside a block, a heading is visibly shorter than the prose line that follows it.
HEADING_RATIO = 0.5
# A text's first line may be its title up to this many words (an article's title is often a
# sentence: tens of words), where a heading elsewhere has MAX_HEADING_WORDS; with a final
# period, up to MAX_SENTENCE_TITLE_WORDS: a news story's lead is a sentence of 25 to 40
# words on a line of its own, and it is the story, not its title (99 % of SciFact's titles
# have at most 25 words).
MAX_TITLE_WORDS = 40
MAX_SENTENCE_TITLE_WORDS = 25
# A title labels prose much longer than itself (an abstract, an article); a story's opening
# sentence is followed by a paragraph of about its own length.
TITLE_BODY_RATIO = 3
# A wire story's lead opens on its dateline: "BEIJING, Jan. 17 (Xinhua) -- ...", a place in
# capitals, then a date or an agency, then a dash.
_NEWS_LEAD = re.compile(r"[A-Z]{2,}(?:[ .'’-]+[A-Z]{2,})*(?:,|\s\()"  # BEIJING, / WASHINGTON (
                        r"[^\n]{0,50}?[\d)][^\n]{0,20}?\s(?:--|—|–)\s")  # Jan. 17 (Xinhua) --
_BYLINE = re.compile(r"By\s+[A-Z]|.*\b(Updated|Published|Posted|Source)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Segment:
    """A heading, byline or paragraph: one or more lines of the text."""

    kind: str
    lines: tuple[Line, ...]

    @property
    def span(self) -> tuple[int, int]:
        return self.lines[0].span[0], self.lines[-1].span[1]

    @property
    def text(self) -> str:
        """The segment's words joined by single spaces; '#' markers removed from headings."""
        parts = [markdown_heading(line.text) or line.text for line in self.lines]
        return " ".join(" ".join(parts).split())


def segment(lines: Sequence[Line], dropped: Collection[int],
            through: Collection[int] = ()) -> list[Segment]:
    """Headings, bylines and paragraphs of the non-blank lines whose index is not `dropped`.

    A dropped line in `through` (a PDF's running header at a page break) is left out without
    ending the block around it, so a paragraph goes on over it.
    """
    blocks = _blocks(lines, dropped, through)
    segments: list[Segment] = []
    for block in blocks:
        segments.extend(_segment_block(block))
    if not any(s.kind == PARAGRAPH for s in segments):
        # A text that is only short lines (a one-line record without punctuation) must still
        # be searchable, so each block of its lines becomes a paragraph.
        return [Segment(PARAGRAPH, tuple(block)) for block in blocks]
    return _merge_split_titles(_opening_title(blocks, segments))


def _opening_title(blocks: list[list[Line]], segments: list[Segment]) -> list[Segment]:
    """The text's first line as its title when it stands alone above the prose, although it
    ends with a period or is longer than a heading ("Microstructural development of human
    newborn cerebral white matter assessed in vivo by diffusion tensor magnetic resonance
    imaging."): article titles often do both. Left as a paragraph, it was a passage of its
    own, a one-sentence one that matched questions by its few words, and the document had no
    title; as its title it labels the passages below, as a heading does. It must be one
    sentence of at most MAX_TITLE_WORDS words (MAX_SENTENCE_TITLE_WORDS with a final
    period), not a wire story's dateline, on a line of its own, the text's first, with
    prose at least TITLE_BODY_RATIO times as long right after it."""
    if len(segments) < 2 or len(blocks[0]) != 1:
        return segments
    first, body = segments[0], segments[1]
    text = first.text
    if (first.kind != PARAGRAPH or body.kind != PARAGRAPH
            or len(body.text) < TITLE_BODY_RATIO * len(text) or not _reads_as_title(text)):
        return segments
    return [Segment(_heading_kind(text), first.lines), *segments[1:]]


def _reads_as_title(text: str) -> bool:
    core = text[:-1] if text.endswith(".") else text
    limit = MAX_SENTENCE_TITLE_WORDS if core != text else MAX_TITLE_WORDS
    return (0 < len(core.split()) <= limit and starts_upper(text)
            and not ends_sentence(core) and not ends_open(core)  # "?", "...", "and,"
            and not is_list_item(text) and not is_table_row(text)
            and not _NEWS_LEAD.match(text)
            and len(split_sentences(text)) == 1 and not ends_in_abbreviation(text))


def _blocks(lines: Sequence[Line], dropped: Collection[int],
            through: Collection[int] = ()) -> list[list[Line]]:
    """Runs of consecutive lines that are neither blank nor dropped (lines `through` are
    skipped inside a run)."""
    blocks: list[list[Line]] = [[]]
    for i, line in enumerate(lines):
        if i in through:
            continue
        if line.is_blank or i in dropped:
            blocks.append([])
        else:
            blocks[-1].append(line)
    return [block for block in blocks if block]


def _segment_block(block: list[Line]) -> list[Segment]:
    segments: list[Segment] = []
    body: list[Line] = []
    for line, is_heading in zip(block, _heading_flags(block), strict=True):
        if not is_heading:
            body.append(line)
            continue
        segments.extend(_paragraphs(body))
        body = []
        segments.append(Segment(_heading_kind(line.text), (line,)))
    segments.extend(_paragraphs(body))
    return segments


def _heading_kind(text: str) -> str:
    return BYLINE if _BYLINE.match(text) or is_dateline(text) else HEADING


def _heading_flags(block: list[Line]) -> list[bool]:
    """Which lines of a block are headings.

    A lone line is a heading if it looks like one. Inside a block, a heading-like line must
    also stand apart from prose: it follows a finished sentence (or another heading), the
    next line starts with a capital, and it is Title Case, a date, a roman numeral, a '#'
    heading, or much shorter than the next line. This keeps hard-wrapped lines in prose.
    """
    texts = [line.text for line in block]
    if len(texts) == 1:
        return [is_heading_like(texts[0])]
    flags: list[bool] = []
    for i, text in enumerate(texts):
        nxt = texts[i + 1] if i + 1 < len(texts) else None
        after_prose_end = i == 0 or flags[i - 1] or ends_sentence(texts[i - 1])
        stands_out = (
            is_title_case(text)
            or is_roman_numeral(text)
            or is_dateline(text)
            or (nxt is not None and len(text) < HEADING_RATIO * len(nxt))
        )
        flags.append(
            markdown_heading(text) is not None
            or (
                is_heading_like(text)
                and after_prose_end
                and (nxt is None or starts_upper(nxt))
                and stands_out
            )
        )
    return flags


def _paragraphs(body: list[Line]) -> list[Segment]:
    """Group consecutive prose lines into paragraphs at single newlines that start one."""
    if not body:
        return []
    width = max(columns(line.text) for line in body)
    groups: list[list[Line]] = [[body[0]]]
    for prev, line in pairwise(body):
        if _starts_paragraph(prev.text, line.text, width):
            groups.append([line])
        else:
            groups[-1].append(line)
    return [Segment(PARAGRAPH, tuple(group)) for group in groups]


def _starts_paragraph(prev: str, line: str, width: int) -> bool:
    # Never where split_sentences would not end a sentence, so no sentence spans two passages.
    if not (ends_sentence(prev) and starts_upper(line)) or ends_in_abbreviation(prev):
        return False
    prev_width = columns(prev)
    return prev_width > MAX_WRAPPED_LINE or prev_width < SHORT_LINE_RATIO * width


def _merge_split_titles(segments: list[Segment]) -> list[Segment]:
    """Join a heading that ends open ('... Look to the Future and') with the next heading."""
    merged: list[Segment] = []
    for seg in segments:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.kind == seg.kind == HEADING
            and ends_open(prev.lines[-1].text)
            and seg.lines[0].number - prev.lines[-1].number <= 2  # at most one blank line
        ):
            merged[-1] = Segment(HEADING, prev.lines + seg.lines)
        else:
            merged.append(seg)
    return merged
