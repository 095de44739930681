"""Text of an .epub e-book: its XHTML chapters in reading order (the package's spine), each
read by the HTML path (html_text.py) and headed by its title from the table of contents as a
Markdown "#" line, after a title page made of the package's metadata (title, authors, date).

The title page is how the metadata reaches the document: its "# Title" line is the inferred
title, its "Published: YYYY-MM-DD" line the inferred date, and "By …" names the authors
(`epub_metadata` gives the same values as data). Passages point into this extracted text,
as for PDF. Standard library zipfile and ElementTree only, besides the HTML path.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

from ..errors import UnreadableDocument
from .html import html_to_text

_CHAPTER_TYPES = frozenset({"application/xhtml+xml", "text/html"})
_ISO_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class EpubMetadata:
    title: str | None
    authors: tuple[str, ...]
    date: str | None  # ISO-8601 prefix
    publisher: str | None


@dataclass(frozen=True)
class _Item:
    href: str  # path inside the zip
    media_type: str
    properties: frozenset[str]


def epub_to_text(raw: bytes, path: Path) -> str:
    """The text of an .epub file; raises UnreadableDocument for a damaged or locked one."""
    book = _open(raw, path)
    opf_path = _package_path(book, path)
    package = _xml(book, opf_path, path)
    meta = _metadata(package)
    items = _manifest(package, posixpath.dirname(opf_path))
    titles = _toc_titles(book, package, items, path)
    _refuse_drm(book, items, path)
    front = [f"# {meta.title}"] if meta.title else []
    if meta.authors:
        front.append("By " + ", ".join(meta.authors))
    if meta.date:
        front.append(f"Published: {meta.date}")
    blocks = ["\n".join(front)] if front else []
    read_any = False
    for item in _spine(package, items):
        if item.media_type not in _CHAPTER_TYPES or "nav" in item.properties:
            continue  # the table of contents page repeats the chapter titles
        markup = _read(book, item.href, path).decode("utf-8", errors="replace")
        text = html_to_text(markup).strip()
        title = titles.get(item.href)
        lines = text.split("\n")
        # The chapter's own <h1> or <title> usually repeats its title (or the book's).
        repeated = {title, meta.title, _page_title(markup), ""} - {None}
        while lines and lines[0].strip() in repeated:
            lines.pop(0)
        text = "\n".join(lines).strip()
        if title:
            blocks.append(f"## {title}")
        if text:
            blocks.append(text)
            read_any = True
    if not read_any:
        raise UnreadableDocument(path, "no chapter text in the EPUB (a scanned or empty book?)")
    return "\n\n".join(blocks)


def epub_metadata(raw: bytes, path: Path) -> EpubMetadata:
    """Title, authors, date and publisher from the package document (content.opf)."""
    book = _open(raw, path)
    return _metadata(_xml(book, _package_path(book, path), path))


# Pieces ------------------------------------------------------------------------------------


def _open(raw: bytes, path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UnreadableDocument(path, "damaged EPUB: not a zip archive") from exc


def _read(book: zipfile.ZipFile, name: str, path: Path) -> bytes:
    try:
        return book.read(name)
    except KeyError as exc:
        raise UnreadableDocument(path, f"damaged EPUB: {name} is missing") from exc
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError) as exc:
        raise UnreadableDocument(path, f"damaged EPUB: {name} cannot be read ({exc})") from exc


def _xml(book: zipfile.ZipFile, name: str, path: Path) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(_read(book, name, path))
    except ElementTree.ParseError as exc:
        raise UnreadableDocument(path, f"damaged EPUB: {name} is not well-formed XML ({exc})"
                                 ) from exc


def _page_title(markup: str) -> str | None:
    """The <title> of a chapter, which the HTML path puts first when there is no <h1>."""
    match = _TITLE.search(markup)
    return html_to_text(f"<p>{match.group(1)}</p>").strip() or None if match else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [e for e in element.iter() if _local(e.tag) == name]


def _package_path(book: zipfile.ZipFile, path: Path) -> str:
    container = _xml(book, "META-INF/container.xml", path)
    for rootfile in _children(container, "rootfile"):
        full_path = rootfile.get("full-path")
        if full_path:
            return full_path
    raise UnreadableDocument(path, "damaged EPUB: META-INF/container.xml names no package")


def _text(element: ElementTree.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _metadata(package: ElementTree.Element) -> EpubMetadata:
    found: dict[str, list[str]] = {}
    for meta in _children(package, "metadata")[:1]:
        for element in meta:
            value = _text(element)
            if value:
                found.setdefault(_local(element.tag), []).append(value)
    date = None
    for value in found.get("date", []):
        match = _ISO_DATE.match(value)
        if match:
            date = match.group()
            break
    return EpubMetadata(
        title=(found.get("title") or [None])[0],
        authors=tuple(dict.fromkeys(found.get("creator", []))),
        date=date,
        publisher=(found.get("publisher") or [None])[0],
    )


def _manifest(package: ElementTree.Element, base: str) -> dict[str, _Item]:
    items = {}
    for item in _children(package, "item"):
        ident, href = item.get("id"), item.get("href")
        if ident and href:
            items[ident] = _Item(_join(base, href), item.get("media-type", ""),
                                 frozenset((item.get("properties") or "").split()))
    return items


def _join(base: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(base, unquote(href.split("#", 1)[0])))


def _spine(package: ElementTree.Element, items: dict[str, _Item]) -> list[_Item]:
    return [items[ref.get("idref", "")] for ref in _children(package, "itemref")
            if ref.get("idref") in items]


def _toc_titles(book: zipfile.ZipFile, package: ElementTree.Element, items: dict[str, _Item],
                path: Path) -> dict[str, str]:
    """The first table-of-contents title of each chapter file: EPUB 3's navigation
    document, else EPUB 2's NCX. A damaged table of contents only loses the titles."""
    titles: dict[str, str] = {}
    try:
        nav = next((i for i in items.values() if "nav" in i.properties), None)
        if nav is not None:
            document = _xml(book, nav.href, path)
            for link in _children(document, "a"):
                href, label = link.get("href"), _text(link)
                if href and label:
                    titles.setdefault(_join(posixpath.dirname(nav.href), href), label)
        spines = _children(package, "spine")
        ncx = items.get(spines[0].get("toc", "")) if spines else None
        if not titles and ncx is not None:
            document = _xml(book, ncx.href, path)
            for point in _children(document, "navPoint"):
                labels = [_text(t) for t in _children(point, "text")]
                content = [c.get("src") for c in _children(point, "content")]
                if labels and labels[0] and content and content[0]:
                    titles.setdefault(_join(posixpath.dirname(ncx.href), content[0]),
                                      labels[0])
    except UnreadableDocument:
        return titles
    return titles


def _refuse_drm(book: zipfile.ZipFile, items: dict[str, _Item], path: Path) -> None:
    """Encrypted chapters (DRM) cannot be read; encrypted fonts (obfuscation) do not matter."""
    if "META-INF/encryption.xml" not in book.namelist():
        return
    try:
        encryption = ElementTree.fromstring(book.read("META-INF/encryption.xml"))
    except (ElementTree.ParseError, KeyError, zipfile.BadZipFile):
        return
    chapters = {i.href for i in items.values() if i.media_type in _CHAPTER_TYPES}
    encrypted = {_join("", ref.get("URI", "")) for ref in _children(encryption, "CipherReference")}
    if encrypted & chapters:
        raise UnreadableDocument(path, "DRM-protected EPUB; only unprotected e-books can be read")
