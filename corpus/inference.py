"""Title and date inferred from the text when metadata.csv does not give them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from .dates import find_dates, is_dateline
from .lines import Line, is_roman_numeral
from .paragraphs import BYLINE, HEADING, Segment
from .types import Metadata

# The date of a statement is printed near its top; later dates are dates it talks about.
DATE_SEARCH_LINES = 20


def infer_title(segments: Sequence[Segment]) -> str | None:
    """The first heading of the text that is not a roman numeral or a byline."""
    for seg in segments:
        if seg.kind == HEADING and not is_roman_numeral(seg.text):
            return seg.text
    return None


def infer_date(segments: Sequence[Segment], kept: Sequence[Line]) -> str | None:
    """The first day-precision date near the top, as YYYY-MM-DD.

    A line that is only a date ("April 6, 2017") wins over a byline's "Updated: ..." date,
    which wins over a date inside prose ("On Jan. 17, 2025, ...").
    """
    top = [seg for seg in segments if seg.lines[0].number <= DATE_SEARCH_LINES]
    datelines = [seg.text for seg in top if seg.kind == BYLINE and is_dateline(seg.text)]
    bylines = [seg.text for seg in top if seg.kind == BYLINE]
    prose = [line.text for line in kept if line.number <= DATE_SEARCH_LINES]
    for candidates in (datelines, bylines, prose):
        for text in candidates:
            dates = find_dates(text)
            if dates:
                return dates[0].iso
    return None


def complete_metadata(
    given: Metadata | None, segments: Sequence[Segment], kept: Sequence[Line]
) -> Metadata:
    """`given` with a missing title or date filled in from the text and marked as inferred."""
    metadata = given or Metadata()
    if metadata.title is None:
        title = infer_title(segments)
        metadata = dataclasses.replace(metadata, title=title, title_inferred=title is not None)
    if metadata.date is None:
        date = infer_date(segments, kept)
        metadata = dataclasses.replace(metadata, date=date, date_inferred=date is not None)
    return metadata
