"""Word .docx and .epub files: their text in reading order, headings, tables and metadata;
damaged files are refused with a reason. The files are made here (python-docx, a zip of
XHTML)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from corpus.errors import UnreadableDocument
from corpus.formats.docx import docx_to_text
from corpus.formats.epub import epub_metadata, epub_to_text


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.author = "Ministry of Commerce"
    document.add_heading("Statement on Soybean Trade", level=0)  # the Title style
    document.add_paragraph("The ministry said tariffs on soybeans would fall by half next "
                           "year, a move welcomed by farmers' groups.")
    document.add_heading("Steel quotas", level=1)
    document.add_paragraph("Talks on steel quotas continue in Geneva next month.")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([("Product", "Tariff 2024", "Tariff 2025"),
                             ("Soybeans", "25%", "12%"), ("Pork", "30%", "30%")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_heading("中文部分", level=2)
    document.add_paragraph("双方同意扩大大豆贸易，降低关税。")
    document.save(str(path))
    return path


CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf"
    media-type="application/oebps-package+xml"/></rootfiles>
</container>"""

OPF = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="id">urn:uuid:1234</dc:identifier>
    <dc:title>Forty Years of Diplomacy</dc:title>
    <dc:creator>Jane Doe</dc:creator>
    <dc:creator>Li Wei</dc:creator>
    <dc:date>2019-07-01T00:00:00Z</dc:date>
    <dc:publisher>Example Press</dc:publisher>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="c1" href="text/ch1.xhtml" media-type="application/xhtml+xml"/>
    <item id="c2" href="text/ch%202.xhtml" media-type="application/xhtml+xml"/>
    <item id="css" href="style.css" media-type="text/css"/>
  </manifest>
  <spine><itemref idref="nav"/><itemref idref="c1"/><itemref idref="c2"/></spine>
</package>"""

NAV = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>Contents</title></head><body>
<nav epub:type="toc"><ol>
  <li><a href="text/ch1.xhtml">The Ping-Pong Years</a></li>
  <li><a href="text/ch%202.xhtml#start">第二章 气候合作</a></li>
</ol></nav></body></html>"""

CHAPTER_1 = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Forty Years of Diplomacy</title>
</head><body><h1>The Ping-Pong Years</h1>
<p>In April 1971 the American table tennis team crossed into China, and pandas followed
as gifts a year later.</p>
<p>Trade grew slowly through the decade.</p></body></html>"""

CHAPTER_2 = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>第二章</title></head><body>
<h2 id="start">第二章 气候合作</h2>
<p>两国在应对气候变化方面开展合作，推动可再生能源的发展。</p></body></html>"""


def make_epub(path: Path, *, drop: str | None = None,
              replace: dict[str, str] | None = None) -> Path:
    files = {"META-INF/container.xml": CONTAINER, "OEBPS/content.opf": OPF,
             "OEBPS/nav.xhtml": NAV, "OEBPS/text/ch1.xhtml": CHAPTER_1,
             "OEBPS/text/ch 2.xhtml": CHAPTER_2, "OEBPS/style.css": "p { margin: 0 }",
             **(replace or {})}
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, content in files.items():
            if name != drop:
                book.writestr(name, content)
    return path


def test_docx_paragraphs_headings_and_table_rows_in_order(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "trade.docx")
    text = docx_to_text(path.read_bytes(), path)
    assert text.split("\n\n") == [
        "# Statement on Soybean Trade",
        "The ministry said tariffs on soybeans would fall by half next year, a move welcomed "
        "by farmers' groups.",
        "## Steel quotas",
        "Talks on steel quotas continue in Geneva next month.",
        "| Product | Tariff 2024 | Tariff 2025 |\n| Soybeans | 25% | 12% |\n| Pork | 30% | 30% |",
        "### 中文部分",
        "双方同意扩大大豆贸易，降低关税。",
    ]


def test_epub_chapters_in_spine_order_titled_from_the_table_of_contents(
        tmp_path: Path) -> None:
    path = make_epub(tmp_path / "book.epub")
    text = epub_to_text(path.read_bytes(), path)
    assert text.split("\n\n") == [
        "# Forty Years of Diplomacy\nBy Jane Doe, Li Wei\nPublished: 2019-07-01",
        "## The Ping-Pong Years",
        "In April 1971 the American table tennis team crossed into China, and pandas "
        "followed as gifts a year later.",
        "Trade grew slowly through the decade.",
        "## 第二章 气候合作",
        "两国在应对气候变化方面开展合作，推动可再生能源的发展。",
    ]
    assert epub_metadata(path.read_bytes(), path).authors == ("Jane Doe", "Li Wei")


def test_epub_2_table_of_contents(tmp_path: Path) -> None:
    ncx = """<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/"><navMap>
      <navPoint id="p1"><navLabel><text>Chapter One</text></navLabel>
        <content src="text/ch1.xhtml"/></navPoint></navMap></ncx>"""
    opf = (OPF.replace('version="3.0"', 'version="2.0"')
           .replace('properties="nav"', "")
           .replace('<item id="css"', '<item id="ncx" href="toc.ncx" '
                    'media-type="application/x-dtbncx+xml"/><item id="css"')
           .replace("<spine>", '<spine toc="ncx">'))
    path = make_epub(tmp_path / "old.epub",
                     replace={"OEBPS/content.opf": opf, "OEBPS/toc.ncx": ncx})
    # The chapter's own heading differs from its table-of-contents title: both are kept.
    assert "## Chapter One\n\nThe Ping-Pong Years\n\nIn April 1971" in epub_to_text(
        path.read_bytes(), path)


@pytest.mark.parametrize(("name", "damage", "reason"), [
    ("truncated.docx", lambda p: p.write_bytes(p.read_bytes()[:500]), "damaged or not a Word"),
    ("renamed.docx", lambda p: p.write_text("plain text, not Word"), "damaged or not a Word"),
    ("old.docx", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512),
     "password-protected"),
])
def test_damaged_docx_files_are_refused_with_a_reason(tmp_path: Path, name: str, damage,  # noqa: ANN001
                                                      reason: str) -> None:
    path = make_docx(tmp_path / name)
    damage(path)
    with pytest.raises(UnreadableDocument, match=reason):
        docx_to_text(path.read_bytes(), path)


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({"drop": "META-INF/container.xml"}, "META-INF/container.xml is missing"),
    ({"drop": "OEBPS/text/ch1.xhtml"}, "OEBPS/text/ch1.xhtml is missing"),
    ({"replace": {"OEBPS/content.opf": "<package><unclosed"}}, "not well-formed XML"),
    ({"replace": {"META-INF/encryption.xml": """<encryption
        xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
        xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:CipherData>
        <enc:CipherReference URI="OEBPS/text/ch1.xhtml"/></enc:CipherData></enc:EncryptedData>
        </encryption>"""}}, "DRM-protected"),
    ({"replace": {"OEBPS/text/ch1.xhtml": "<html><body></body></html>",
                  "OEBPS/text/ch 2.xhtml": "<html><body> </body></html>"}}, "no chapter text"),
])
def test_damaged_epub_files_are_refused_with_a_reason(tmp_path: Path, kwargs: dict,
                                                      reason: str) -> None:
    path = make_epub(tmp_path / "book.epub", **kwargs)
    with pytest.raises(UnreadableDocument, match=reason):
        epub_to_text(path.read_bytes(), path)


def test_an_epub_that_is_no_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.epub"
    path.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(UnreadableDocument, match="not a zip archive"):
        epub_to_text(path.read_bytes(), path)


def test_an_epub_documents_metadata_comes_from_its_package_unless_metadata_csv_says_more(
        tmp_path: Path) -> None:
    from corpus import load_document
    from corpus.types import Metadata

    path = make_epub(tmp_path / "book.epub")
    doc = load_document(path)
    meta = doc.metadata
    assert (meta.title, meta.author, meta.date, meta.publisher) == (
        "Forty Years of Diplomacy", "Jane Doe, Li Wei", "2019-07-01", "Example Press")
    assert not meta.title_inferred and not meta.date_inferred
    given = load_document(path, Metadata(title="Diplomacy, a history", author="J. Doe"))
    assert (given.metadata.title, given.metadata.author, given.metadata.date) == (
        "Diplomacy, a history", "J. Doe", "2019-07-01")
