"""Lexical search with SQLite FTS5 and its bm25() ranking.

Chinese and Japanese are written without spaces, and FTS5's unicode61 tokenizer makes a whole
run of such characters one token, so no question would ever match it. The index therefore
reads each CJK character as a token of its own (schema.py's `passages_lexical` view puts
spaces around them; `index_form` is the same in Python), and a question's CJK words become
phrases of characters: "台湾" is searched as the phrase "台 湾", which matches exactly where the
two characters stand together, with BM25 weighing it by how many passages hold it.

A question is searched with every overlapping character pair of its CJK runs: on the Chinese
test set (tests/data/zh, benchmarks/cjk_lexical.py) that ranked better than jieba's words,
which miss compounds the dictionary cuts otherwise ("碳中和" -> 碳 中 和), and better than
FTS5's trigram tokenizer, which cannot match two-character words. Where each term must be a
word (`query_terms`: compare's coverage of a topic's words, highlights), CJK runs are cut
with jieba, as a pair straddling two words ("湾问" in 台湾问题) is a share of the topic no
passage can hold. Text without CJK characters is indexed and searched exactly as before:
English keeps porter stemming.
"""

from __future__ import annotations

import json
import re
import sqlite3
from functools import lru_cache

# Words that carry no topic; dropped from queries (not from the index) so that a question's
# phrasing does not outweigh its subject. Kept short on purpose: BM25's IDF handles the rest.
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be been before being below
between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just me more most my no
nor not of off on once only or other our out over own same she should so some such than that the
their them then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your said say says tell told
""".split())

# Chinese question words and connectives: the phrasing of a question, not its subject.
CJK_STOPWORDS = frozenset("""
什么 哪些 哪个 哪里 哪儿 如何 怎么 怎样 怎么样 为什么 为何 是否 是不是 多少 几个 有没有 有何
关于 还是 以及 或者 并且 而且 但是 因为 所以 方面 情况 问题是 请问 一下 吗 呢 吧 啊 的 了 是
""".split())

# Scripts written without spaces between words: CJK ideographs (with extensions and
# compatibility forms), 々〆〇, Hiragana, Katakana (also half-width), Bopomofo and Hangul.
# Korean puts spaces between words but glues particles to them, so character tokens serve
# it too. Every range lies where UTF-8 starts a character with a byte of CJK_LEAD_BYTES,
# which lets SQL skip other text cheaply (schema.py); the Kangxi radicals and the conjoining
# Hangul jamo, rare in running text, lie elsewhere and are left to unicode61.
CJK_RANGES = (
    ("\u3005", "\u3007"), ("\u3021", "\u3029"), ("\u3038", "\u303b"), ("\u3041", "\u30fa"),
    ("\u30fc", "\u30ff"), ("\u3105", "\u312f"), ("\u3131", "\u318e"), ("\u31a0", "\u31bf"),
    ("\u31f0", "\u31ff"), ("\u3400", "\u4dbf"), ("\u4e00", "\u9fff"), ("\ua960", "\ua97f"),
    ("\uac00", "\ud7af"), ("\uf900", "\ufaff"), ("\uff66", "\uff9f"),
    ("\U00020000", "\U0003134f"),
)
# The first UTF-8 byte of every character in CJK_RANGES (U+3000-U+DFFF, U+F000-U+FFFF and
# the supplementary planes); English text, curly quotes and dashes (E2) included, has none.
CJK_LEAD_BYTES = (0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEF, 0xF0)
_CJK_CLASS = "".join(f"{a}-{b}" for a, b in CJK_RANGES)
CJK_CHAR = re.compile(f"[{_CJK_CLASS}]")
CJK_RUN = re.compile(f"[{_CJK_CLASS}]+")
# GLOB's class of the same characters, for the index's SQL view (schema.py).
CJK_GLOB = "[" + _CJK_CLASS + "]"

_WORD = re.compile(rf"[{_CJK_CLASS}]+|[^\W{_CJK_CLASS}]+", re.UNICODE)
_CJK_PARTICLES = re.compile("[的吗呢吧啊]")


def has_cjk(text: str) -> bool:
    return CJK_CHAR.search(text) is not None


def word_tokens(text: str) -> list[str]:
    """The words of a text as the lexical index separates them at least: runs of CJK
    characters and runs of other word characters ("AI在军事" -> AI, 在军事)."""
    return _WORD.findall(text)


def index_form(text: str) -> str:
    """The text as the FTS index reads it: each CJK character set apart by spaces, so that
    it is a token of its own; anything else unchanged. schema.py's view does the same."""
    return CJK_RUN.sub(lambda m: " " + " ".join(m.group()) + " ", text)


def _phrase(term: str) -> str:
    """An FTS5 string for a term: quoted, so that operators in user input stay words; a CJK
    term becomes the phrase of its characters."""
    form = " ".join(index_form(term).split())
    return '"' + form.replace('"', '""') + '"'


@lru_cache(maxsize=1)
def _jieba():  # noqa: ANN202
    try:
        import logging

        import jieba
    except ImportError:
        return None
    jieba.setLogLevel(logging.WARNING)
    return jieba


def cjk_words(run: str) -> list[str]:
    """The words of a run of CJK characters: jieba's segmentation when jieba is installed,
    else overlapping character pairs ("气候变化" -> 气候 候变 变化)."""
    jieba = _jieba()
    if jieba is not None:
        return [w for w in jieba.lcut(run) if w.strip()]
    return [run] if len(run) < 3 else character_pairs(run)


def split_cjk(text: str) -> str:
    """`text` with its CJK runs cut into words separated by spaces, anything else unchanged;
    a `\\w+` word splitter then finds Chinese words as it finds English ones."""
    if not has_cjk(text):
        return text
    return CJK_RUN.sub(lambda m: " " + " ".join(cjk_words(m.group())) + " ", text)


def cjk_question_runs(question: str) -> list[str]:
    """A question's CJK runs, cut at particles (的 吗 呢 吧 啊), which join no words."""
    return [piece for run in CJK_RUN.findall(question)
            for piece in _CJK_PARTICLES.split(run) if piece]


def character_pairs(run: str) -> list[str]:
    """Overlapping pairs of characters: "气候变化" -> 气候 候变 变化; a lone character stays."""
    return [run] if len(run) < 2 else [run[i:i + 2] for i in range(len(run) - 1)]


def _cjk_terms(run: str) -> list[str]:
    words = cjk_words(run)
    content = [w for w in words if w not in CJK_STOPWORDS and len(w) > 1]
    return content or [w for w in words if w not in CJK_STOPWORDS] or words


def query_terms(question: str) -> list[str]:
    """Distinct lower-case words of a question, stopwords removed unless nothing else is left.
    CJK runs give their words (see `cjk_words`), without question words and one-character
    function words."""
    words: list[str] = []
    for token in _WORD.findall(question):
        if has_cjk(token):
            words += _cjk_terms(token)
        else:
            words.append(token.lower())
    words = list(dict.fromkeys(words))
    content = [w for w in words if w not in STOPWORDS]
    return content or words


def search_terms(question: str) -> list[str]:
    """What a lexical search looks for: `query_terms`, except that CJK runs give their
    overlapping character pairs (question words such as 什么 left out) instead of words."""
    if not has_cjk(question):
        return query_terms(question)
    terms: list[str] = []
    for token in _WORD.findall(question):
        if not has_cjk(token):
            terms.append(token.lower())
            continue
        for piece in _CJK_PARTICLES.split(token):
            terms += character_pairs(piece) if piece else []
    terms = list(dict.fromkeys(terms))
    content = [t for t in terms if t not in STOPWORDS and t not in CJK_STOPWORDS]
    return content or terms


def fts_query(question: str) -> str | None:
    """An FTS5 query matching passages containing any of the question's search terms;
    quoting each term keeps FTS5 operators and punctuation in user input from being
    interpreted."""
    terms = search_terms(question)
    if not terms:
        return None
    return " OR ".join(_phrase(t) for t in terms)


def passages_with_term(db: sqlite3.Connection, term: str) -> set[int]:
    """Rowids of the passages whose text (not its context) holds `term`, stemmed as the
    index stems it (a CJK term: its characters in a row)."""
    rows = db.execute("SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?",
                      ("text : " + _phrase(term),))
    return {int(r[0]) for r in rows}


def lexical_search(
    db: sqlite3.Connection, question: str, n: int, doc_rowids: list[int] | None = None,
    context_weight: float = 0.5, skip: str | None = None, query: str | None = None,
    only: list[int] | None = None,
) -> list[tuple[int, float]]:
    """Top `n` (passage rowid, score) by BM25 over one database, higher is better; only
    passages of `doc_rowids` when given, none of the table `skip` names (tombstoned
    passages), and only passages `only` when given. A match in a passage's context (title,
    author, date, heading) counts `context_weight` times a match in its text. `query` is an
    FTS5 query to run instead of the question's."""
    query = query or fts_query(question)
    if query is None or n <= 0:
        return []
    rank = f"bm25(passages_fts, 1.0, {float(context_weight)!r})"
    sql = (f"SELECT passages_fts.rowid, -{rank} AS score FROM passages_fts"
           " WHERE passages_fts MATCH ?")
    params: list[object] = [query]
    # "+rowid": a test on each match, not a constraint handed to FTS5, which would run the
    # full-text query once per allowed passage (seconds for a filter allowing thousands).
    if doc_rowids is not None:
        sql += (" AND +passages_fts.rowid IN (SELECT rowid FROM passages"
                " WHERE doc_rowid IN (SELECT value FROM json_each(?)))")
        params.append(json.dumps(doc_rowids))
    if only is not None:
        sql += " AND +passages_fts.rowid IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(only))
    if skip is not None:
        sql += f" AND passages_fts.rowid NOT IN {skip}"
    sql += f" ORDER BY {rank} LIMIT ?"
    params.append(n)
    return [(int(r[0]), float(r[1])) for r in db.execute(sql, params)]


def phrase(term: str) -> str:
    return _phrase(term)

