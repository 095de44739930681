"""Bytes to text: the encoding is detected (BOM, then UTF-8, then charset-normalizer).

A UTF-8 file with a few damaged bytes (a bad copy, a truncated download, one Latin-1 character
pasted in) is still a UTF-8 file: each invalid byte becomes U+FFFD, the rest is read, and the
damage is reported (`DecodedText.replaced_bytes`) instead of the whole file being lost.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
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
# Past this share of invalid bytes, text that no encoding explains is not read as damaged UTF-8.
MAX_REPLACED_RATIO = 0.01
REPLACEMENT = "\ufffd"
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # how surrogateescape writes an invalid byte


@dataclass(frozen=True)
class DecodedText:
    """A text file's decoded text, its encoding, and how many bytes were not valid in it."""

    text: str  # newlines not normalised
    encoding: str
    replaced_bytes: int = 0  # invalid UTF-8 bytes, each now one U+FFFD in `text`
    first_replaced_line: int | None = None  # 1-based line of the first of them

    @property
    def warning(self) -> str | None:
        """The damage as a sentence (without the file's path), or None if there was none."""
        if not self.replaced_bytes:
            return None
        count = self.replaced_bytes
        what = "1 byte that is not" if count == 1 else f"{count} bytes that are not"
        return (f"{what} valid UTF-8 replaced by U+FFFD (first on line "
                f"{self.first_replaced_line}); the rest of the file is read")


def decode_bytes(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode the raw bytes of a text file; return (text, encoding name).

    Invalid UTF-8 bytes are replaced silently here; `decode_text` also says how many.
    Raises UnreadableDocument for binary data or bytes no encoding explains.
    """
    decoded = decode_text(raw, path)
    return decoded.text, decoded.encoding


def decode_text(raw: bytes, path: Path) -> DecodedText:
    """Decode the raw bytes of a text file, reading damaged UTF-8 with replacement characters.

    Raises UnreadableDocument for binary data or bytes no encoding explains.
    """
    encoding = _bom_encoding(raw) or _utf16_without_bom(raw[:_SNIFF_BYTES])
    if encoding is None and b"\x00" in raw[:_SNIFF_BYTES]:
        raise UnreadableDocument(path, "binary file (contains NUL bytes), not text")
    if encoding is not None:
        decoded = DecodedText(_strict_decode(raw, encoding, path), encoding)
    else:
        decoded = _utf8_or_detected(raw, path)
    if _control_ratio(decoded.text) > MAX_CONTROL_RATIO:
        raise UnreadableDocument(path, "binary file (control characters), not text")
    return decoded


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


def _utf8_or_detected(raw: bytes, path: Path) -> DecodedText:
    """UTF-8 when the bytes are UTF-8, even with a few damaged bytes; else the encoding
    charset-normalizer finds; else, if only a few bytes are invalid, damaged UTF-8 again."""
    try:
        return DecodedText(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    lenient = _lenient_utf8(raw)
    # Valid multi-byte sequences do not occur by chance in text of a single-byte code page
    # (Latin-1 "é" is one byte): as many of them as invalid bytes means UTF-8 with damage.
    if lenient.replaced_bytes <= _multibyte_characters(lenient.text):
        return lenient
    from charset_normalizer import from_bytes  # lazy: only needed for non-UTF-8 files

    matches = from_bytes(raw)
    best = matches.best()
    if best is None:
        if lenient.replaced_bytes <= MAX_REPLACED_RATIO * len(raw):
            return lenient
        raise UnreadableDocument(
            path, "undecodable: not UTF-8 and no other text encoding fits; convert it to UTF-8"
        )
    # Single-byte code pages are often indistinguishable on short Western text; when
    # Windows-1252, the most common of them, fits about as well as the best guess, take it.
    close = [m for m in matches if m.chaos <= best.chaos + CODEPAGE_TIE and m.encoding == "cp1252"]
    chosen = close[0] if close else best
    return DecodedText(str(chosen), chosen.encoding)


def _lenient_utf8(raw: bytes) -> DecodedText:
    """UTF-8 with each invalid byte replaced by one U+FFFD (so the count is of bytes)."""
    escaped = raw.decode("utf-8", errors="surrogateescape")  # invalid byte -> U+DC80..U+DCFF
    first = _ESCAPED_BYTE.search(escaped)
    text, count = _ESCAPED_BYTE.subn(REPLACEMENT, escaped)
    first_line = None
    if first is not None:
        first_line = normalise_newlines(escaped[: first.start()]).count("\n") + 1
    return DecodedText(text, "utf-8", count, first_line)


def _multibyte_characters(text: str) -> int:
    """Characters outside ASCII, U+FFFD aside (counted without a list: text can be large)."""
    return len(text) - len(text.encode("ascii", "ignore")) - text.count(REPLACEMENT)


def _control_ratio(text: str) -> float:
    sample = text[:_SNIFF_BYTES]
    if not sample:
        return 0.0
    controls = sum(
        1 for ch in sample if ch not in "\t\n\r\f\v" and unicodedata.category(ch) == "Cc"
    )
    return controls / len(sample)
