"""Names and text made safe to print on a terminal.

A documents folder is input from anyone: a file named `$'bad\\nname\\a\\e[31m.txt'`, a title
in metadata.csv or a line of a document can hold control characters that a terminal obeys
(colours, a rewritten window title, a cleared screen, a bell) and line breaks that split one
printed row in two. Every human output passes names and text through here; `--json` keeps
the true strings (JSON escapes them itself).

Escapes are those of `ls -b` and `git` (`\\n`, `\\t`, `\\033`), and a name that needed any is
shown between double quotes as git shows it, so that `"a\\tb"` (escaped) cannot be mistaken
for a name that really holds a backslash and a `t`.
"""

from __future__ import annotations

import unicodedata

# Besides the C0/C1 controls and DEL (category Cc), line and paragraph separators (they end
# a line) and the bidirectional controls that reorder what follows them, so that a name
# cannot display as another ("Trojan Source"). Other format characters (the zero-width
# joiners of Persian or of emoji, soft hyphens) are left alone: they belong to real names.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")
_SHORT = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f",
          "\r": "\\r"}


def name(value: str) -> str:
    """A name (file path, title, author, heading) on one line: unchanged when it has nothing
    to escape, else between double quotes with every control character, backslash and double
    quote escaped."""
    # A name that starts with a double quote is quoted too: it could pass for a quoted one.
    if value.isprintable() and not value.startswith('"'):  # the fast path
        return value
    if not value.startswith('"') and not any(_unsafe(ch) for ch in value):
        return value
    return '"' + "".join(_escaped(ch) if _unsafe(ch) or ch in '\\"' else ch
                         for ch in value) + '"'


def line(value: str) -> str:
    """A message (an error naming a path, a warning) kept on one line: every control
    character escaped, nothing quoted (the message's own words stay as written)."""
    if value.isprintable():
        return value
    return "".join(_escaped(ch) if _unsafe(ch) else ch for ch in value)


def text(value: str) -> str:
    """Prose (a passage): line breaks and tabs kept, every other control character escaped."""
    if value.isprintable():
        return value
    return "".join(_escaped(ch) if _unsafe(ch) and ch not in "\n\t" else ch for ch in value)


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in _BIDI_CONTROLS


def _escaped(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    if ch in '\\"':
        return "\\" + ch
    code = ord(ch)
    return f"\\{code:03o}" if code < 0x100 else f"\\u{code:04x}"
