"""read_text / load_document: encodings are detected, and unreadable files are named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corpus import UnreadableDocument, load_document, read_text

TEXT = "Café “quoted” – naïve résumé.\nSecond line: €5 for Zürich.\n"


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("utf-8", TEXT.encode("utf-8")),
        ("utf-8-sig", TEXT.encode("utf-8-sig")),
        ("utf-16", TEXT.encode("utf-16")),
        ("utf-16-le", TEXT.encode("utf-16-le")),
        ("cp1252", (TEXT * 20).encode("cp1252")),
    ],
)
def test_text_files_decode_in_their_encoding(tmp_path: Path, encoding: str, data: bytes) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(data)
    text, found = read_text(path)
    assert text.startswith(TEXT) and "\ufeff" not in text
    assert found.replace("_", "-").lower() in {encoding, "windows-1252", "cp1252"}


def test_latin1_text_decodes(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes(("Les élèves étudient à Paris. Ça va très bien. " * 10).encode("latin-1"))
    assert read_text(path)[0].startswith("Les élèves étudient à Paris.")


def test_newlines_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "dos.txt"
    path.write_bytes(b"One.\r\nTwo.\rThree.\n")
    assert read_text(path)[0] == "One.\nTwo.\nThree.\n"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", "binary"),
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\t\n  ", "whitespace"),
        ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", "PDF"),
        ("empty.html", b"<html><script>var x = 1;</script></html>", "no visible text"),
        ("data.docx", b"PK\x03\x04", "damaged or not a Word .docx"),
        ("data.xlsx", b"PK\x03\x04", "unsupported"),
    ],
)
def test_unreadable_files_raise_an_error_naming_the_file(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UnreadableDocument) as caught:
        read_text(path)
    assert caught.value.path == path and reason in caught.value.reason
    assert str(path) in str(caught.value)


def test_a_missing_file_raises_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDocument, match="not found") as caught:
        load_document(tmp_path / "gone.txt")
    assert caught.value.path == tmp_path / "gone.txt"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_an_unreadable_file_says_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("Hidden.")
    path.chmod(0)
    with pytest.raises(UnreadableDocument, match="permission denied"):
        read_text(path)


def test_html_keeps_visible_text_with_blocks_as_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>T</title><style>p {color: red}</style></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        "<header>Site banner</header>"
        "<h1>Trade   Talks</h1><p>The two sides met.\n  They <b>agreed</b> on a plan.</p>"
        "<ul><li>First point.</li><li>Second point.</li></ul>"
        "<script>alert('x')</script><aside>Ads</aside><form>Email: <input></form>"
        "<footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    text, encoding = read_text(path)
    assert text == (
        "Trade Talks\n\nThe two sides met. They agreed on a plan.\n\nFirst point.\n\nSecond point."
    )
    assert encoding == "utf-8"
    doc = load_document(path)
    assert [h.text for h in doc.headings] == ["Trade Talks"]
    assert doc.passages[0].text == "The two sides met. They agreed on a plan."


WORDPRESS = (
    "<html><head><title>Trade talks resume | Example News</title></head><body>"
    "<header class='site-header'><h1 class='logo'>Example News</h1></header>"
    "<main><article><header class='entry-header'><h1>Trade Talks Resume in Geneva</h1>"
    "<time datetime='2025-01-17'>January 17, 2025</time></header>"
    "<p>The two sides met on Friday. They agreed to meet again.</p>"
    "<footer class='entry-footer'>Filed under: Trade</footer></article></main>"
    "<aside id='sidebar'>Popular posts</aside><footer>Site footer</footer></body></html>"
)


def test_an_articles_own_header_and_footer_are_kept_and_the_sites_are_dropped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "post.html"
    path.write_text(WORDPRESS, encoding="utf-8")
    doc = load_document(path)
    assert read_text(path)[0].split("\n\n") == [
        "Trade Talks Resume in Geneva",
        "January 17, 2025",
        "The two sides met on Friday. They agreed to meet again.",
        "Filed under: Trade",
    ]
    assert (doc.metadata.title, doc.metadata.date) == ("Trade Talks Resume in Geneva", "2025-01-17")


def test_the_page_title_stands_in_for_a_missing_h1(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<title>Trade talks resume | Example News</title>"
        "<header><h1>Example News</h1></header><p>The two sides met on Friday.</p>",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert read_text(path)[0] == "Trade talks resume | Example News\n\nThe two sides met on Friday."
    assert doc.metadata.title == "Trade talks resume | Example News"
    assert doc.passages[0].heading == "Trade talks resume | Example News"


def test_a_page_with_a_title_but_no_visible_text_is_still_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "app.html"
    path.write_text("<title>My App</title><div id='root'></div><script>go()</script>")
    with pytest.raises(UnreadableDocument, match="no visible text"):
        read_text(path)


def test_table_rows_are_lines_of_cells_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "table.html"
    path.write_text(
        "<h1>Trade</h1><table><thead><tr><th>Year</th><th>Note</th></tr></thead><tbody>"
        "<tr><td>Cell one</td><td>Cell two</td></tr>"
        "<tr><td>2005</td><td><p>Trade grew.</p><p>Talks went well.</p></td></tr>"
        "</tbody></table>",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert read_text(path)[0] == (
        "Trade\n\n| Year | Note |\n| Cell one | Cell two |\n| 2005 | Trade grew. Talks went well. |"
    )
    assert [h.text for h in doc.headings] == ["Trade"] and doc.dropped == []
    assert [p.text for p in doc.passages] == [
        "| Year | Note | | Cell one | Cell two | | 2005 | Trade grew. Talks went well. |"
    ]


def test_a_table_used_for_page_layout_keeps_its_paragraphs(tmp_path: Path) -> None:
    article = "The two sides met on Friday and agreed to meet again soon. " * 6
    path = tmp_path / "old.html"
    path.write_text(
        "<table><tr><td>Home | World | Business | Sports | Tech</td></tr>"
        f"<tr><td>Menu</td><td><h2>Trade Talks</h2><p>{article}</p><p>Second.</p></td></tr>"
        "</table>",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert [d.reason for d in doc.dropped] == ["navigation menu"]
    assert [(p.text, p.heading) for p in doc.passages] == [
        (article.strip(), "Trade Talks"),
        ("Second.", "Trade Talks"),
    ]


def _pdf_with_text(text: str) -> bytes:
    """A one-page PDF whose content stream draws `text` in Helvetica, with a correct xref."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    path = tmp_path / "statement.pdf"
    path.write_bytes(_pdf_with_text("Cooperation is the only sound path."))
    text, encoding = read_text(path)
    assert text.strip() == "Cooperation is the only sound path." and encoding == "pdf"
    assert load_document(path).passages[0].text == "Cooperation is the only sound path."


def test_a_pdf_without_text_is_reported(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    path = tmp_path / "scan.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(UnreadableDocument, match="no extractable text"):
        read_text(path)


def test_markdown_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "notes.MD"
    path.write_text("# Notes\n\nA paragraph.\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.metadata.title == "Notes" and [p.text for p in doc.passages] == ["A paragraph."]
