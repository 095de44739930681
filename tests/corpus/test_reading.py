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
        ("data.docx", b"PK\x03\x04", "unsupported"),
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
