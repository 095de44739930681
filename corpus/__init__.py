"""corpus: documents -> passages. Reading files, cleaning, splitting, metadata. No ML imports.

Modules, one job each:
    discover    which files to index under the paths a user names
    reading     file -> text (decoding.py; formats/: HTML, PDF (pdf: pages, pdf_layout:
                reading order, pdf_ocr: Tesseract), Word, e-books)
    pdf_text    a PDF's pages -> text: headers, footers, page numbers, hyphens, ligatures
    source_map  where HTML's extracted text came from in the markup; moves passages onto it
    cleaning    boilerplate lines (menus, footers, prompts) and why they were dropped
    paragraphs  kept lines -> headings, bylines and paragraphs
    passages    paragraphs -> Passage records with offsets, lines and headings
    sentences   sentence spans
    metadata    metadata.csv files; inference.py fills a missing title or date from the text
    documents   parse_text / load_document, tying the above together

Importing this package is cheap: bs4, pypdfium2 and charset_normalizer load on first use.
"""

from .discover import discover
from .documents import load_document, parse_text
from .errors import MetadataError, UnreadableDocument
from .formats.pdf_ocr import OcrOptions
from .metadata import MetadataCatalog, MetadataProblem, load_metadata, metadata_for
from .reading import SUPPORTED_SUFFIXES, read_text
from .sentences import split_sentences
from .types import DroppedLine, Heading, Metadata, ParsedDocument, Passage, SkippedFile

__all__ = [
    "SUPPORTED_SUFFIXES",
    "DroppedLine",
    "Heading",
    "Metadata",
    "MetadataCatalog",
    "MetadataError",
    "MetadataProblem",
    "OcrOptions",
    "ParsedDocument",
    "Passage",
    "SkippedFile",
    "UnreadableDocument",
    "discover",
    "load_document",
    "load_metadata",
    "metadata_for",
    "parse_text",
    "read_text",
    "split_sentences",
]
