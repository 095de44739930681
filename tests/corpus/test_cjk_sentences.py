"""Sentence ends in Japanese and in CJK text with full-width or ASCII punctuation."""

from __future__ import annotations

import pytest

from corpus import split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今日は晴れです。明日は雨でしょう！本当ですか？",
         ["今日は晴れです。", "明日は雨でしょう！", "本当ですか？"]),
        # The half-width Japanese full stop, and doubled marks.
        ("はい｡わかりました", ["はい｡", "わかりました"]),
        ("これは‼すごい⁉次へ", ["これは‼", "すごい⁉", "次へ"]),
        # A quoted sentence followed by と or って is part of the sentence that quotes it.
        ("彼は「行きます。」と言った。次の文です。",
         ["彼は「行きます。」と言った。", "次の文です。"]),
        ("彼女は『はい。』って答えた。", ["彼女は『はい。』って答えた。"]),
        ("「行きます。」次の文です。", ["「行きます。」", "次の文です。"]),
        # ASCII marks typed in Chinese text, with no space after them.
        ("真的吗?是的!好的.下一句", ["真的吗?", "是的!", "好的.", "下一句"]),
        ("会谈在U.S.举行。Mr. Wang到了。", ["会谈在U.S.举行。", "Mr. Wang到了。"]),
        # Korean puts spaces after its marks.
        ("한국어 문장입니다. 두 번째 문장입니다! 세 번째?",
         ["한국어 문장입니다.", "두 번째 문장입니다!", "세 번째?"]),
        # A pause, not an end.
        ("第一……第二……结束。", ["第一……第二……结束。"]),
    ],
)  # fmt: skip
def test_cjk_sentences_end_where_their_marks_end_them(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected
