"""Bytes to text: the encoding is detected (BOM, then strict UTF-8, then charset-normalizer)."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

from .errors import UnreadableDocument

# UTF-32 first: its little-endian BOM starts with the UTF-16 one.
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
_SNIFF_BYTES = 8192
# Real text has almost no control characters besides tab, newline, carriage return, form feed.
MAX_CONTROL_RATIO = 0.01
CODEPAGE_TIE = 0.05  # chaos difference under which two code pages fit equally well


def decode_bytes(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode the raw bytes of a text file; return (text, encoding name).

    Raises UnreadableDocument for binary data or bytes no encoding explains.
    """
    encoding = _bom_encoding(raw) or _utf16_without_bom(raw[:_SNIFF_BYTES])
    if encoding is None and b"\x00" in raw[:_SNIFF_BYTES]:
        raise UnreadableDocument(path, "binary file (contains NUL bytes), not text")
    if encoding is not None:
        text = _strict_decode(raw, encoding, path)
    else:
        text, encoding = _utf8_or_detected(raw, path)
    if _control_ratio(text) > MAX_CONTROL_RATIO:
        raise UnreadableDocument(path, "binary file (control characters), not text")
    return text, encoding


def normalise_newlines(text: str) -> str:
    """ "\\r\\n" and lone "\\r" become "\\n", so that offsets and line numbers agree everywhere."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _bom_encoding(raw: bytes) -> str | None:
    return next((name for bom, name in _BOMS if raw.startswith(bom)), None)


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 without BOM shows as NUL bytes in every other position (for Latin text)."""
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _strict_decode(raw: bytes, encoding: str, path: Path) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(path, f"not valid {encoding} text: {exc.reason}") from exc


def _utf8_or_detected(raw: bytes, path: Path) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # lazy: only needed for non-UTF-8 files

    matches = from_bytes(raw)
    best = matches.best()
    if best is None:
        raise UnreadableDocument(
            path, "undecodable: not UTF-8 and no other text encoding fits; convert it to UTF-8"
        )
    # Single-byte code pages are often indistinguishable on short Western text; when
    # Windows-1252, the most common of them, fits about as well as the best guess, take it.
    close = [m for m in matches if m.chaos <= best.chaos + CODEPAGE_TIE and m.encoding == "cp1252"]
    chosen = close[0] if close else best
    return str(chosen), chosen.encoding


def _control_ratio(text: str) -> float:
    sample = text[:_SNIFF_BYTES]
    if not sample:
        return 0.0
    controls = sum(
        1 for ch in sample if ch not in "\t\n\r\f\v" and unicodedata.category(ch) == "Cc"
    )
    return controls / len(sample)
