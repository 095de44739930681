"""Sentence spans by regular expressions, for highlights and for splitting over-long passages."""

from __future__ import annotations

import re

# Words after which a period rarely ends a sentence. "etc.", "Inc." and "Co." are left out
# on purpose: they end sentences as often as not.
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt rev hon gen gov sen rep col lt capt sgt cmdr adm pres
    jan feb mar apr jun jul aug sep sept oct nov dec no nos vol vols fig figs pp p ch sec
    art para approx dept univ ave blvd rd cf vs al ed eds e.g i.e""".split()
)
# Capitalised words that usually open a sentence. After an ambiguous period (an acronym such
# as "U.S." or an initial such as "W.") a sentence ends only if one of these follows.
_SENTENCE_STARTERS = frozenset(
    """the this that these those it its we they he she i in on at but and however a an as if
    when while there our his her their so yet for to after since today now thus hence
    meanwhile still also moreover furthermore""".split()
)
# Terminal punctuation, optional closing quotes/brackets/footnote marks, whitespace, then
# (after opening quotes) a word; _ends_here checks that the word opens a sentence.
# The CJK brackets are included so that 「…。」 and （…）are handled like "…." and (…).
OPENERS = "\"'“‘([¿¡「『（【《〈〔"
CLOSERS = "\"'”’)]*†‡」』）】》〉〕"
# Chinese and Japanese end sentences with full-width marks and no space after them, and never
# use them in abbreviations, so each one ends a sentence wherever it stands; only "．" after a
# digit is a decimal point or a list number ("３．５", "1．") instead. "｡" is the half-width
# Japanese full stop; "‼", "⁉", "⁈", "⁇" are the doubled marks of Japanese and Chinese.
FULL_WIDTH_TERMINALS = "。！？．｡‼⁇⁈⁉"
_OPEN = re.escape(OPENERS)
_CLOSE = re.escape(CLOSERS)
_CANDIDATE = re.compile(rf"[.!?…]+[{_CLOSE}]*(?=\s+[{_OPEN}]*\w)")
_FULL_WIDTH_END = re.compile(
    rf"[.!?…]*(?:[。！？｡‼⁇⁈⁉]|(?<!\d)．)[.!?…{FULL_WIDTH_TERMINALS}]*[{_CLOSE}]*"
)
# Scripts written without spaces (Han, kana, Hangul): there an ASCII "!" or "?" ends a
# sentence with no space after it ("真的吗?是的"), and so does "." between two such characters.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_ASCII_END_IN_CJK = re.compile(
    rf"(?<=[{_UNSPACED}])(?:[!?]+|\.)[{_CLOSE}]*(?=[{_OPEN}]*[{_UNSPACED}])"
)
# Japanese quotes a sentence inside one: 「行きます。」と言った goes on after the quote.
_QUOTATIVE = re.compile(r"[」』](?=と|って)")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")
_ACRONYM = re.compile(r"(?:[A-Za-z]\.){2,}")  # U.S. U.N. e.g. i.e. p.m.
_SPACE = re.compile(r"\s*")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of `text`.

    Spans are trimmed of surrounding whitespace, in order, never overlap, and together cover
    every non-whitespace character of `text`. A blank line always ends a sentence.
    """
    cuts = sorted(
        {m.end() for m in _CANDIDATE.finditer(text) if _ends_here(text, m)}
        | {m.end() for m in _FULL_WIDTH_END.finditer(text)
           if not _QUOTATIVE.match(text, m.end() - 1)}
        | {m.end() for m in _ASCII_END_IN_CJK.finditer(text)}
        | {m.start() for m in _PARAGRAPH_BREAK.finditer(text)}
    )
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*cuts, len(text)]:
        span = _trim(text, start, cut)
        if span is not None:
            spans.append(span)
        start = cut
    return spans


def _ends_here(text: str, match: re.Match[str]) -> bool:
    """Decide whether a candidate boundary really ends a sentence."""
    # Positions, not slices: a slice of the rest of the text at every candidate made
    # splitting quadratic in the passage's length.
    gap = _SPACE.match(text, match.end()).end()  # type: ignore[union-attr]
    first = gap
    while first < len(text) and text[first] in OPENERS:
        first += 1
    if not opens_sentence(text[first:first + 1]):
        return False
    if match.group().rstrip(CLOSERS) != ".":
        return True  # "!", "?", "…" and "..." are not used in abbreviations
    token = _token_before(text, match.start())
    if is_abbreviation(token):
        return False
    if _ACRONYM.fullmatch(token + "."):
        # "the U.S.\nChina ..." ends at a line break; "the U.S. Congress" goes on.
        line_break = "\n" in text[match.end() : gap]
        return line_break or _word_after(text, match.end()).lower() in _SENTENCE_STARTERS
    return True


def opens_sentence(char: str) -> bool:
    """True for a character a sentence can start with: a capital, a digit, or a letter of a
    script without case (Chinese, Japanese, Arabic...), where capitals give no signal."""
    return char.isupper() or char.isdigit() or (char.isalpha() and not char.islower())


def is_abbreviation(token: str) -> bool:
    """True for a word whose final period rarely ends a sentence: 'Dr', 'Jan', 'e.g', 'W'."""
    return token.lower() in _ABBREVIATIONS or len(token) == 1 and token.isupper()


def ends_in_abbreviation(text: str) -> bool:
    """True if `text` ends with an abbreviation and its period ("... met Dr.")."""
    stripped = text.rstrip().rstrip(CLOSERS)
    return stripped.endswith(".") and is_abbreviation(_token_before(stripped, len(stripped) - 1))


def _token_before(text: str, end: int) -> str:
    """The word (letters and inner periods) right before position `end`."""
    start = end
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    return text[start:end].lstrip(".")


def _word_after(text: str, start: int) -> str:
    match = re.compile(r"\s+[\"'“‘(\[]*(\w+)").match(text, start)
    return match.group(1) if match else ""


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
