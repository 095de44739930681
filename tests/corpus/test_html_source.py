"""HTML documents: passages, headings and dropped lines point into the page's source.

A passage's text is the page's visible text; its chars and lines locate it in the .html file.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from corpus import ParsedDocument, load_document, read_text

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Harbour Trade &amp; the Winter | Harbour Times</title>
  <style>
    p { margin: 0 0 1em; }
  </style>
  <script>var tracking = "<p>not text</p>";</script>
</head>
<body>
  <nav class="menu">
    <ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul>
  </nav>
  <article>
    <h1>Harbour Trade &amp; the Winter</h1>
    <p>The harbour handled more containers this winter than in any previous year,
       and officials credited the new cranes &amp; the longer shifts at the
       eastern quay.</p>
    <p><b>Fishermen</b> said they weren&#8217;t consulted <a href="/dredging">before
    the dredging</a> began.<br>They asked the council for a public meeting.</p>
    <table>
      <tr><td>Year</td><td>Containers</td></tr>
      <tr><td>2024</td><td>1,200</td></tr>
    </table>
    <p>&#8220;We will listen,&#8221; the mayor said on Tuesday.</p>
    <p>Copyright &copy; 2025 Harbour Times. All rights reserved.</p>
  </article>
  <footer>Copyright &copy; 2025 Harbour Times. All rights reserved.</footer>
</body>
</html>
"""

# Where each passage's text starts and ends in PAGE.
PASSAGE_SPANS = [
    ("The harbour handled", "eastern quay."),
    ("Fishermen</b>", "public meeting."),
    ("Year</td>", "1,200"),
    ("&#8220;We will", "on Tuesday."),
]
_TAG = re.compile(r"<[^>]*>")


def visible(markup: str) -> str:
    """The words of a slice of markup: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def load(tmp_path: Path, markup: str, name: str = "page.html") -> ParsedDocument:
    path = tmp_path / name
    path.write_bytes(markup.encode("utf-8"))
    return load_document(path)


def test_the_documents_text_is_the_pages_source(tmp_path: Path) -> None:
    doc = load(tmp_path, PAGE)
    assert doc.text == PAGE
    assert [p.text for p in doc.passages] == [
        "The harbour handled more containers this winter than in any previous year, and "
        "officials credited the new cranes & the longer shifts at the eastern quay.",
        "Fishermen said they weren\u2019t consulted before the dredging began. "
        "They asked the council for a public meeting.",
        "| Year | Containers | | 2024 | 1,200 |",
        "\u201cWe will listen,\u201d the mayor said on Tuesday.",
    ]


def test_passage_chars_cover_exactly_the_paragraph_in_the_source(tmp_path: Path) -> None:
    doc = load(tmp_path, PAGE)
    for passage, (first, last) in zip(doc.passages, PASSAGE_SPANS, strict=True):
        assert passage.char_start == PAGE.index(first), passage.text
        assert passage.char_end == PAGE.index(last) + len(last), passage.text
        source = PAGE[passage.char_start : passage.char_end]
        if "|" not in passage.text:  # a table row's bars are not in the source
            assert visible(source) == passage.text
        else:
            assert visible(source) == " ".join(passage.text.replace("|", " ").split())
        # It starts at text, not at a tag, and the text's first character comes first.
        assert not source.startswith("<")
        assert html.unescape(source[:8]).startswith(passage.text.lstrip("| ")[0])


def test_passage_lines_are_the_source_lines_of_its_first_and_last_characters(
    tmp_path: Path,
) -> None:
    doc = load(tmp_path, PAGE)
    for passage in doc.passages:
        assert passage.line_start == line_of(PAGE, passage.char_start)
        assert passage.line_end == line_of(PAGE, passage.char_end - 1)
    first = doc.passages[0]
    assert (first.line_start, first.line_end) == (17, 19)  # a paragraph over three lines
    assert PAGE.split("\n")[first.line_start - 1].strip().startswith("<p>The harbour handled")


def test_an_entity_at_either_end_of_a_passage_is_inside_its_span(tmp_path: Path) -> None:
    doc = load(
        tmp_path,
        "<p>&#8220;Quoted words, as he said them.&#8221;</p>\n"
        "<p>The cat chased the mouse&nbsp;&amp; the dog, and everyone cheered.&#8221;</p>",
    )
    assert [p.text for p in doc.passages] == [
        "\u201cQuoted words, as he said them.\u201d",
        "The cat chased the mouse & the dog, and everyone cheered.\u201d",
    ]
    spans = [doc.text[p.char_start : p.char_end] for p in doc.passages]
    assert spans == [
        "&#8220;Quoted words, as he said them.&#8221;",
        "The cat chased the mouse&nbsp;&amp; the dog, and everyone cheered.&#8221;",
    ]


def test_headings_and_dropped_lines_name_their_source_lines(tmp_path: Path) -> None:
    doc = load(tmp_path, PAGE)
    lines = PAGE.split("\n")
    assert [h.text for h in doc.headings] == ["Harbour Trade & the Winter"]
    assert "<h1>Harbour Trade" in lines[doc.headings[0].line - 1]
    assert [d.reason for d in doc.dropped] == ["copyright/footer"]
    assert "<p>Copyright &copy;" in lines[doc.dropped[0].line - 1]


def test_the_title_standing_in_for_a_missing_h1_names_the_title_line(tmp_path: Path) -> None:
    markup = (
        "<html>\n<head>\n<title>Trade talks resume</title>\n</head>\n<body>\n"
        "<p>The two sides met on Friday. They agreed to meet again.</p>\n</body>\n</html>\n"
    )
    doc = load(tmp_path, markup)
    assert [(h.line, h.text) for h in doc.headings] == [(3, "Trade talks resume")]
    [passage] = doc.passages
    assert passage.heading == "Trade talks resume"
    assert passage.line_start == passage.line_end == 6
    assert doc.text[passage.char_start : passage.char_end] == passage.text


def test_a_pre_block_keeps_its_lines_and_windows_newlines_are_normalised(tmp_path: Path) -> None:
    markup = (
        "<h1>Log</h1>\r\n<pre>first line of the log\r\n  second &lt;line&gt;\r\n</pre>\r\n"
        "<p>A closing paragraph,\r\nwrapped in the source.</p>\r\n"
    )
    doc = load(tmp_path, markup)
    assert doc.text == markup.replace("\r\n", "\n")
    texts = [p.text for p in doc.passages]
    assert texts == [
        "first line of the log second <line>",
        "A closing paragraph, wrapped in the source.",
    ]
    for passage in doc.passages:
        assert visible(doc.text[passage.char_start : passage.char_end]) == passage.text
        assert passage.line_start == line_of(doc.text, passage.char_start)
        assert passage.line_end == line_of(doc.text, passage.char_end - 1)
    assert [(p.line_start, p.line_end) for p in doc.passages] == [(2, 3), (5, 6)]


def test_comments_cdata_and_stray_markup_do_not_shift_the_offsets(tmp_path: Path) -> None:
    markup = (
        "<!DOCTYPE html><!-- a comment with <p>tags</p> -->\n<div>Unclosed <i>italic\n"
        "</span> text &foo; and &amp more.</div>\n<pre><![CDATA[raw & data]]></pre>\n"
        "<p>Last words here.</p>"
    )
    doc = load(tmp_path, markup)
    for passage in doc.passages:
        source = doc.text[passage.char_start : passage.char_end]
        words = " ".join(_TAG.sub(" ", source.replace("<![CDATA[", "").replace("]]>", "")).split())
        assert html.unescape(words.replace("&foo;", "&foo")) == passage.text
    assert [p.line_start for p in doc.passages] == [2, 4, 5]


def test_text_and_markdown_offsets_are_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("# Note\n\nSome &amp; text <b>here</b>.\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.text == read_text(path)[0]
    [passage] = doc.passages
    assert doc.text[passage.char_start : passage.char_end] == passage.text
