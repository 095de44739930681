"""Where the text extracted from an HTML page came from in the page's source.

The extraction (html_text.py) works on BeautifulSoup's strings, which carry no positions.
`string_spans` parses the same markup a second time with the standard library's HTMLParser,
which BeautifulSoup's "html.parser" builder is built on, so both see the same sequence of
events: each run of text between two tags (or a comment, doctype...) is one string. Zipping
the two gives every character of every string the source span it came from: a plain
character its own offset, a character produced by an entity ("&amp;", "&#8217;") the span of
the whole entity.

`relocate` then moves a document parsed from the extracted text onto the source: passages,
headings and dropped lines point into the decoded HTML instead of the extracted text.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from html.entities import html5 as html5_entities
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from ..lines import split_lines

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bs4.element import NavigableString

    from ..types import ParsedDocument

# Where HTMLParser ends a character or entity reference (a missing ";" is allowed).
_CHARREF = re.compile(r"&#(?:[0-9]+|[xX][0-9a-fA-F]+);?")
_ENTITYREF = re.compile(r"&[a-zA-Z][-.a-zA-Z0-9]*;?")
# How far ahead a character is looked for when a string and its source text differ (an entity
# BeautifulSoup decodes differently from html.unescape, a whitespace run it shortened).
_LOOKAHEAD = 16


@dataclass(frozen=True)
class Spans:
    """Per character of a text, the source span [starts[i], ends[i]) it came from."""

    starts: list[int]
    ends: list[int]


def line_starts(text: str) -> list[int]:
    """Offsets at which the lines of `text` start (lines are cut at "\\n")."""
    return [0, *(match.end() for match in re.finditer("\n", text))]


def string_spans(markup: str, strings: Sequence[NavigableString]) -> dict[int, Spans]:
    """Source spans of the characters of `strings`, keyed by id(string).

    `strings` are all the strings of the soup BeautifulSoup(markup, "html.parser") built,
    in document order (comments and doctypes included), taken before anything is removed
    from the soup. Callers keep `strings` alive while they use the ids.
    """
    runs = _source_runs(markup)
    if len(runs) == len(strings):
        return {id(s): _align(str(s), run, 0)[0] for s, run in zip(strings, runs, strict=True)}
    # Not expected: the two parses disagree. Walk one concatenated run instead.
    joined = _Run("".join(run.text for run in runs), [], [])
    for run in runs:
        joined.starts.extend(run.starts)
        joined.ends.extend(run.ends)
    found: dict[int, Spans] = {}
    cursor = 0
    for s in strings:
        found[id(s)], cursor = _align(str(s), joined, cursor)
    return found


@dataclass(frozen=True)
class _Run:
    """Decoded text of one string in the source, with each character's source span."""

    text: str
    starts: list[int]
    ends: list[int]


class _Recorder(HTMLParser):
    """Text runs of the markup as BeautifulSoup's html.parser builder cuts them into strings."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=False)  # as BeautifulSoup sets it
        self._markup = markup
        self._lines = line_starts(markup)
        self.runs: list[_Run] = []
        self._text: list[str] = []
        self._starts: list[int] = []
        self._ends: list[int] = []

    def _offset(self) -> int:
        line, column = self.getpos()  # where the event being handled starts
        return self._lines[line - 1] + column

    def _end_run(self) -> None:
        if self._text:
            self.runs.append(_Run("".join(self._text), self._starts, self._ends))
            self._text, self._starts, self._ends = [], [], []

    def _string(self) -> None:
        """A comment, doctype, declaration or processing instruction: a string of its own,
        never shown; its characters all get an empty span where it starts."""
        self._end_run()
        start = self._offset()
        self.runs.append(_Run("", [start], [start]))

    def unknown_decl(self, data: str) -> None:
        if not data.upper().startswith("CDATA["):
            self._string()
            return
        # BeautifulSoup keeps the content of a CDATA section, which a <pre> shows.
        self._end_run()
        start = self._offset() + len("<![CDATA[")
        self._add(data[len("CDATA[") :], start)
        self._end_run()

    def handle_data(self, data: str) -> None:
        self._add(data, self._offset())

    def _add(self, data: str, start: int) -> None:
        """Text as written in the source at `start`."""
        self._text.append(data)
        self._starts.extend(range(start, start + len(data)))
        self._ends.extend(range(start + 1, start + len(data) + 1))

    def _reference(self, pattern: re.Pattern[str], decoded: str) -> None:
        start = self._offset()
        match = pattern.match(self._markup, start)
        end = match.end() if match else start + 1
        self._text.append(decoded)
        self._starts.extend([start] * len(decoded))
        self._ends.extend([end] * len(decoded))

    def handle_charref(self, name: str) -> None:
        self._reference(_CHARREF, html.unescape(f"&#{name};"))

    def handle_entityref(self, name: str) -> None:
        # As BeautifulSoup reads it: an unknown name stays as written, without its ";".
        known = f"{name};" in html5_entities
        self._reference(_ENTITYREF, html.unescape(f"&{name};") if known else f"&{name}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._end_run()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._end_run()

    def handle_endtag(self, tag: str) -> None:
        self._end_run()

    def handle_comment(self, data: str) -> None:
        self._string()

    def handle_decl(self, decl: str) -> None:
        self._string()

    def handle_pi(self, data: str) -> None:
        self._string()


def _source_runs(markup: str) -> list[_Run]:
    recorder = _Recorder(markup)
    recorder.feed(markup)
    recorder.close()
    recorder._end_run()  # noqa: SLF001 - the last run, at the end of the markup
    return recorder.runs


def _align(text: str, run: _Run, cursor: int) -> tuple[Spans, int]:
    """Spans of the characters of `text` found in order in `run` from `cursor` on.

    A string equal to its run maps one to one. Otherwise each character is looked for a
    little ahead; one not found (a whitespace run BeautifulSoup shortened to "\\n", an entity
    it decoded differently) takes the span of the next source character.
    """
    if cursor == 0 and text == run.text:
        return Spans(run.starts, run.ends), len(text)
    starts: list[int] = []
    ends: list[int] = []
    last = max(len(run.starts) - 1, 0)
    for char in text:
        found = run.text.find(char, cursor, cursor + _LOOKAHEAD)
        if found >= 0:
            starts.append(run.starts[found])
            ends.append(run.ends[found])
            cursor = found + 1
        elif run.starts:
            here = min(cursor, last)
            starts.append(run.starts[here])
            ends.append(run.starts[here] if cursor > last else run.ends[here])
        else:
            starts.append(0)
            ends.append(0)
    return Spans(starts, ends), cursor


def relocate(doc: ParsedDocument, source: str, spans: Spans) -> ParsedDocument:
    """`doc`, parsed from text extracted from `source`, moved onto `source`.

    `spans` gives, per character of `doc.text`, its span in `source`. A passage runs from
    the source offset of its first character to the end of its last one; its text stays the
    extracted text. Headings and dropped lines get the source line of their first character.
    """
    source_lines = line_starts(source)

    def line_of(offset: int) -> int:
        return bisect_right(source_lines, offset)

    extracted = split_lines(doc.text)

    def source_line(number: int) -> int:
        line = extracted[number - 1]
        first = line.span[0] if not line.is_blank else line.start
        return line_of(spans.starts[min(first, len(spans.starts) - 1)])

    passages = []
    for passage in doc.passages:
        start = spans.starts[passage.char_start]
        end = max(spans.ends[passage.char_end - 1], start + 1)
        passages.append(
            replace(
                passage,
                char_start=start,
                char_end=end,
                line_start=line_of(start),
                line_end=line_of(end - 1),
            )
        )
    return replace(
        doc,
        text=source,
        passages=passages,
        headings=[replace(h, line=source_line(h.line)) for h in doc.headings],
        dropped=[replace(d, line=source_line(d.line)) for d in doc.dropped],
    )
