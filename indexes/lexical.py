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
import math
import re
import sqlite3
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

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



# ---------------------------------------------------------------------------------------------
# FTS5's bm25() computed here, from the index's own postings and statistics.
#
# bm25() scores every passage holding any question word, reads each passage's length from the
# docsize table, and counts every row holding each phrase again for its IDF, at every
# question: at a million passages that is most of a lexical query. `Lexicon` reads each
# phrase's postings once (fts5vocab, grouped into per-passage counts), keeps them, and sums
# the same terms in the same order with the same double arithmetic as fts5_aux.c, so its
# scores equal bm25()'s to the last bit (tests/indexes/test_lexical_fast.py).

K1, B = 1.2, 0.75  # fts5_aux.c's constants


class Unsupported(Exception):  # noqa: N818
    """A question this module cannot score exactly as FTS5 would; use FTS5 itself."""


class Postings:
    """The passages holding a phrase (offsets from the segment's first passage rowid,
    ascending) and how often it stands in each one's text and context."""

    __slots__ = ("context", "offsets", "shares", "text")

    def __init__(self, offsets: np.ndarray, text: np.ndarray, context: np.ndarray) -> None:
        self.offsets, self.text, self.context = offsets, text, context
        self.shares: dict[float, np.ndarray] = {}  # bm25 shares, by context weight

    def __len__(self) -> int:
        return len(self.offsets)

    def frequency(self, context_weight: float) -> np.ndarray:
        """bm25()'s weighted frequency: 1.0 per instance in the text, then `context_weight`
        per instance in the context, added one by one in that order as FTS5 adds them."""
        freq = self.text.astype(np.float64)
        for k in range(1, int(self.context.max(initial=0)) + 1):
            freq[self.context >= k] += context_weight
        return freq


class Lexicon:
    """One FTS5 index's statistics, passage lengths and phrase postings, read on first use
    and kept: the parts of bm25() that do not depend on the question."""

    # Postings kept (about 20 bytes each) before the least recently used phrase's are
    # dropped: the common words of questions recur, and theirs are the costly ones to read.
    KEEP = 4_000_000

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.rows, self.avgdl = _averages(db)
        self.first, self._lengths = _first_rowid(db), None
        self._tokens: dict[str, tuple[str, ...]] = {}
        self._postings: OrderedDict[str, Postings] = OrderedDict()
        self._kept = 0
        self._lock = threading.Lock()

    @property
    def lengths(self) -> np.ndarray:
        """Tokens in each passage (all columns), by offset from `first`."""
        if self._lengths is None:
            self._lengths = _doc_lengths(self.db, self.first)
        return self._lengths

    def idf(self, hits: int) -> float:
        value = math.log((self.rows - hits + 0.5) / (hits + 0.5))
        return value if value > 0.0 else 1e-6

    def postings(self, term: str) -> Postings:
        with self._lock:
            found = self._postings.get(term)
            if found is not None:
                self._postings.move_to_end(term)
                return found
            found = _phrase_postings(self.db, self.tokens(term), self.first)
            self._postings[term] = found
            self._kept += len(found)
            while self._kept > self.KEEP and len(self._postings) > 1:
                self._kept -= len(self._postings.popitem(last=False)[1])
            return found

    def contributions(self, term: str, context_weight: float) -> tuple[np.ndarray, np.ndarray]:
        """(offsets, bm25 share) of the passages holding `term`: IDF x the frequency part."""
        held = self.postings(term)
        share = held.shares.get(context_weight)
        if share is None:
            freq = held.frequency(context_weight)
            size = self.lengths[held.offsets].astype(np.float64)
            # fts5_aux.c's expression, operation for operation.
            part = (freq * (K1 + 1.0)) / (freq + K1 * (1 - B + B * size / self.avgdl))
            share = held.shares[context_weight] = self.idf(len(held)) * part
        return held.offsets, share

    def tokens(self, term: str) -> tuple[str, ...]:
        if term not in self._tokens:
            self._tokens[term] = _tokens(self.db, " ".join(index_form(term).split()))
        return self._tokens[term]


def ranked(lexicon: Lexicon, terms: list[str], n: int, allowed: np.ndarray | None,
           context_weight: float = 0.5) -> list[tuple[int, float]]:
    """Top `n` (rowid, score) as FTS5's `ORDER BY bm25() LIMIT n` over the query of
    `terms` ORed gives them (ties: lower rowid first), among the offsets `allowed` marks
    (all when None)."""
    if n <= 0 or not terms:
        return []
    size = len(lexicon.lengths)
    score = np.zeros(size, dtype=np.float64)
    hit = np.zeros(size, dtype=bool)
    for term in terms:  # in the query's order: the order bm25() adds its phrases
        offsets, share = lexicon.contributions(term, context_weight)
        score[offsets] += share
        hit[offsets] = True
    if allowed is not None:
        hit &= allowed
    return [(lexicon.first + int(i), float(score[i])) for i in best(score, np.flatnonzero(hit), n)]


def best(score: np.ndarray, which: np.ndarray, n: int) -> np.ndarray:
    """The `n` of `which` with the highest `score`, highest first, ties by lower index."""
    if len(which) > n:
        nth = np.partition(score[which], len(which) - n)[len(which) - n]
        which = which[score[which] >= nth]
    order = np.lexsort((which, -score[which]))
    return which[order[:n]]


def _averages(db: sqlite3.Connection) -> tuple[int, float]:
    """FTS5's row count and mean tokens per row (all columns), from its averages record."""
    row = db.execute("SELECT block FROM passages_fts_data WHERE id = 1").fetchone()
    if row is None:
        raise Unsupported("no averages record")
    values = _varints(bytes(row[0]))
    rows, total = values[0], sum(values[1:])
    if rows <= 0:
        raise Unsupported("an empty index")
    return rows, float(total) / float(rows)


def _varints(blob: bytes) -> list[int]:
    """SQLite's big-endian base-128 varints (the ninth byte whole), as FTS5 stores them."""
    values, value, length = [], 0, 0
    for byte in blob:
        length += 1
        if length == 9:
            values.append((value << 8) | byte)
            value, length = 0, 0
        elif byte & 0x80:
            value = (value << 7) | (byte & 0x7F)
        else:
            values.append((value << 7) | byte)
            value, length = 0, 0
    return values


def _first_rowid(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT min(id), max(id), count(*) FROM passages_fts_docsize").fetchone()
    if row[0] is None or row[1] - row[0] + 1 != row[2]:
        raise Unsupported("passage rowids with gaps")
    return int(row[0])


def _doc_lengths(db: sqlite3.Connection, first: int) -> np.ndarray:
    """Every row's token count over all columns (as xColumnSize(-1)), by rowid - `first`;
    the docsize blobs are decoded together, each a varint per column."""
    row = db.execute("SELECT group_concat(hex(sz), ''), count(*) FROM"
                     " (SELECT sz FROM passages_fts_docsize ORDER BY id)").fetchone()
    data = np.frombuffer(bytes.fromhex(row[0] or ""), dtype=np.uint8)
    ends = np.flatnonzero(data < 0x80)
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    widths = ends - starts + 1
    if row[1] == 0 or len(ends) % row[1] or (len(widths) and widths.max() > 5):
        raise Unsupported("unexpected docsize records")
    values = np.zeros(len(ends), dtype=np.int64)
    for k in range(int(widths.max(initial=0))):
        more = widths > k
        values[more] = (values[more] << 7) | (data[starts[more] + k] & 0x7F)
    return values.reshape(row[1], -1).sum(axis=1).astype(np.int64)


_TOKENIZER = "temp.parallax_tokenizer"


def _tokens(db: sqlite3.Connection, text: str) -> tuple[str, ...]:
    """`text` as the index's tokenizer cuts it (a query phrase is cut the same way): it is
    written to a temporary FTS5 table made with that tokenizer, and read back."""
    if not _has_table(db, "temp", "parallax_tokenizer"):
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'passages_fts'").fetchone()
        tokenize = re.search(r"tokenize\s*=\s*('(?:[^']|'')*')", sql[0]) if sql else None
        if tokenize is None:
            raise Unsupported("unknown tokenizer")
        db.execute(f"CREATE VIRTUAL TABLE {_TOKENIZER} USING fts5(x, tokenize={tokenize[1]})")
        db.execute("CREATE VIRTUAL TABLE temp.parallax_tokens"
                   " USING fts5vocab(temp, parallax_tokenizer, instance)")
    try:
        db.execute(f"INSERT INTO {_TOKENIZER} (rowid, x) VALUES (1, ?)", (text,))
        rows = db.execute("SELECT term FROM temp.parallax_tokens ORDER BY offset").fetchall()
    finally:
        db.execute(f"DELETE FROM {_TOKENIZER}")
    return tuple(str(r[0]) for r in rows)


def _has_table(db: sqlite3.Connection, schema: str, name: str) -> bool:
    return db.execute(f"SELECT 1 FROM {schema}.sqlite_master WHERE name = ?",
                      (name,)).fetchone() is not None


def _instances(db: sqlite3.Connection, token: str) -> tuple[np.ndarray, np.ndarray]:
    """Every instance of `token` in the index: (rowid x 2 + column, offset), in FTS5's order
    (rowid, column, offset)."""
    if not _has_table(db, "temp", "parallax_passage_terms"):
        db.execute("CREATE VIRTUAL TABLE temp.parallax_passage_terms"
                   " USING fts5vocab(main, passages_fts, instance)")
    row = db.execute("SELECT group_concat(doc * 2 + (col = 'context')), group_concat(offset)"
                     " FROM temp.parallax_passage_terms WHERE term = ?", (token,)).fetchone()
    if not row[0]:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return (np.fromstring(row[0], dtype=np.int64, sep=","),
            np.fromstring(row[1], dtype=np.int64, sep=","))


def _phrase_postings(db: sqlite3.Connection, tokens: tuple[str, ...], first: int) -> Postings:
    """Where the tokens stand one after the other in a column, counted per passage (one
    token: its every instance), as FTS5 matches a phrase."""
    if not tokens:
        raise Unsupported("a phrase without tokens")
    places, offsets = _instances(db, tokens[0])
    for step, token in enumerate(tokens[1:], start=1):
        if not len(places):
            break
        more_places, more_offsets = _instances(db, token)
        keep = np.isin((places << 32) | (offsets + step), (more_places << 32) | more_offsets)
        places, offsets = places[keep], offsets[keep]
    docs, columns = places >> 1, places & 1
    starts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1]))) \
        if len(docs) else np.zeros(0, dtype=np.int64)
    in_context = np.add.reduceat(columns, starts) if len(docs) else starts
    counts = np.diff(np.append(starts, len(docs)))
    return Postings((docs[starts] - first).astype(np.int32),
                    (counts - in_context).astype(np.int32), in_context.astype(np.int32))
