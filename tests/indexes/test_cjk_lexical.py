"""The lexical index reads each CJK character as a token; English is indexed as before."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from indexes.lexical.fts import (
    fts_query,
    index_form,
    lexical_search,
    passages_with_term,
    query_terms,
    search_terms,
    split_cjk,
)
from indexes.schema import SCHEMA


def _db(texts: list[tuple[str, str]]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    db.execute("INSERT INTO documents (rowid, id, path, content_hash, n_passages)"
               " VALUES (1, 'd', 'd.txt', 'h', ?)", (len(texts),))
    for ordinal, (text, context) in enumerate(texts):
        db.execute("INSERT INTO passages (id, doc_rowid, ordinal, text, context, char_start,"
                   " char_end, line_start, line_end) VALUES (?, 1, ?, ?, ?, 0, 0, 1, 1)",
                   (f"d.{ordinal}", ordinal, text, context))
    db.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")
    return db


_CHARS = list("中美关系台湾问题かなカナ한국 abcAI.,，。、\n𠀀“”—é😀Ａ⺀ᄀ")
_TEXT = st.text(st.sampled_from(_CHARS), max_size=40)


@settings(max_examples=60, deadline=None)
@given(_TEXT, _TEXT)
def test_the_sql_view_reads_text_as_index_form_does(text: str, context: str) -> None:
    db = _db([(text, context)])
    row = db.execute("SELECT text, context FROM passages_lexical").fetchone()
    assert [(row[0] or "").split(), (row[1] or "").split()] == [
        index_form(text).split(), index_form(context).split()]


def test_text_without_cjk_reaches_the_index_unchanged() -> None:
    text = "The Taiwan question – “curly” U.S. relations, naïve café 2005."
    db = _db([(text, "Title (Author, 2005)")])
    assert db.execute("SELECT text, context FROM passages_lexical").fetchone() == (
        text, "Title (Author, 2005)")
    assert index_form(text) == text


def test_cjk_terms_match_where_their_characters_stand_together() -> None:
    db = _db([("台湾是中国的一部分。", "声明"), ("湾区经济和台风。", ""),
              ("中美关系AI时代", "")])
    assert passages_with_term(db, "台湾") == {1}
    assert passages_with_term(db, "湾") == {1, 2}
    assert passages_with_term(db, "声明") == set()  # context only
    assert passages_with_term(db, "AI") == {3}  # glued to Chinese, still a word
    assert [r for r, _ in lexical_search(db, "台湾问题的立场", 5)] == [1]


def test_question_terms() -> None:
    # Searching: overlapping pairs, question words and particles left out.
    assert search_terms("中国如何看待气候变化？") == [
        "中国", "国如", "何看", "看待", "待气", "气候", "候变", "变化"]
    assert search_terms("什么") == ["什么"]  # nothing else left: kept
    assert fts_query('台湾 "NEAR" trade') == '"台 湾" OR "near" OR "trade"'
    # Words (compare, distinctive terms): jieba's, without one-character function words.
    assert query_terms("台湾问题") == ["台湾", "问题"]
    assert query_terms("What did China say about 台湾?") == ["china", "台湾"]
    # English alone is as it was.
    assert search_terms("What did China say about Taiwan?") == ["china", "taiwan"]


def test_split_cjk_puts_spaces_between_chinese_words_only() -> None:
    text = "双方同意加强知识产权保护, and agreed."
    words = split_cjk(text).split()
    assert "".join(words) == text.replace(" ", "")  # nothing lost, nothing added
    assert {"知识产权", "保护", "and", "agreed."} <= set(words)
    assert split_cjk("No CJK here.") == "No CJK here."


def test_japanese_and_korean_are_searched_the_same_way() -> None:
    db = _db([("東京で気候変動についての会議が開かれました。", ""),
              ("大阪の経済は回復しています。", ""),
              ("서울에서 기후 변화 회의가 열렸습니다.", "")])
    assert [r for r, _ in lexical_search(db, "気候変動の会議はどこで？", 5)][:1] == [1]
    assert [r for r, _ in lexical_search(db, "기후 변화", 5)] == [3]
    assert passages_with_term(db, "経済") == {2}
