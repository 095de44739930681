"""Documents: a file or an in-memory text turned into passages, headings and dropped lines."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .cleaning import find_boilerplate
from .inference import complete_metadata
from .lines import split_lines
from .paragraphs import PARAGRAPH, Segment, segment
from .passages import build_passages
from .reading import decode_document, normalise_newlines, read_bytes
from .types import DroppedLine, Heading, Metadata, ParsedDocument


def parse_text(
    text: str,
    *,
    path: Path,
    encoding: str = "utf-8",
    content_hash: str | None = None,
    metadata: Metadata | None = None,
) -> ParsedDocument:
    """Split a decoded text into passages, headings and dropped boilerplate lines.

    Pure: no I/O. Newlines are normalised to "\\n" first (a no-op for `read_text` output), and
    the returned document's `text` is that normalised text, which every offset points into.
    A missing title or date in `metadata` is inferred from the text and marked as inferred.
    `content_hash` defaults to the sha256 of the UTF-8 text (for in-memory records).
    """
    text = normalise_newlines(text)
    lines = split_lines(text)
    dropped = find_boilerplate(lines)
    segments = segment(lines, dropped)
    kept = [line for i, line in enumerate(lines) if i not in dropped and not line.is_blank]
    return ParsedDocument(
        path=path,
        text=text,
        encoding=encoding,
        content_hash=content_hash or sha256_hex(text.encode("utf-8")),
        metadata=complete_metadata(metadata, segments, kept),
        passages=build_passages(text, lines, segments),
        dropped=[DroppedLine(lines[i].number, lines[i].text, why) for i, why in dropped.items()],
        # One Heading per line, so each names its own line; a title split over two lines is
        # joined only where it labels passages and in the inferred title.
        headings=[
            Heading(line.number, Segment(seg.kind, (line,)).text)
            for seg in segments
            if seg.kind != PARAGRAPH
            for line in seg.lines
        ],
    )


def load_document(path: Path, metadata: Metadata | None = None) -> ParsedDocument:
    """Read, decode and parse a file; `content_hash` is the sha256 of its raw bytes.

    Raises UnreadableDocument if the file cannot yield text.
    """
    raw = read_bytes(path)
    text, encoding = decode_document(raw, path)
    return parse_text(
        text, path=path, encoding=encoding, content_hash=sha256_hex(raw), metadata=metadata
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
