"""split_sentences: regex sentences that survive abbreviations and never lose a character."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus import split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bush met Hu. They talked.", ["Bush met Hu.", "They talked."]),
        ("George W. Bush met Hu Jintao. Then they left.",
         ["George W. Bush met Hu Jintao.", "Then they left."]),
        ("Trade reached US$211.6 billion in 2005. It grew.",
         ["Trade reached US$211.6 billion in 2005.", "It grew."]),
        ("From Dr. Kissinger's trip to Mr. Nixon's visit. Next.",
         ["From Dr. Kissinger's trip to Mr. Nixon's visit.", "Next."]),
        ("On Jan. 17, 2025, the U.S. and the U.N. met. No. 5 won.",
         ["On Jan. 17, 2025, the U.S. and the U.N. met.", "No. 5 won."]),
        ("It hurts the U.S. The two sides agree.", ["It hurts the U.S.", "The two sides agree."]),
        ("Fruit, e.g. apples, i.e. Fuji ones. Fine.",
         ["Fruit, e.g. apples, i.e. Fuji ones.", "Fine."]),
        ("It was called the “most striking event.” Today, both agree.",
         ["It was called the “most striking event.”", "Today, both agree."]),
        ('He said "stop." She left! Why? Nobody knows...',
         ['He said "stop."', "She left!", "Why?", "Nobody knows..."]),
        ("will ... abandon biases. Done.", ["will ... abandon biases.", "Done."]),
        ("A title without a period\n\nA paragraph.", ["A title without a period", "A paragraph."]),
    ],
)  # fmt: skip
def test_sentences_end_at_terminal_punctuation_but_not_inside_abbreviations(text, expected):  # noqa: ANN001
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中美关系的问题。双方应当相互尊重！第三句？好的。",
         ["中美关系的问题。", "双方应当相互尊重！", "第三句？", "好的。"]),
        ("他说：「我们同意。」然后离开了．真的吗？！是的。",
         ["他说：「我们同意。」", "然后离开了．", "真的吗？！", "是的。"]),
        ("Both sides met. 双方会谈。 Then they left.",
         ["Both sides met.", "双方会谈。", "Then they left."]),
        ("唐纳德·特朗普会见了王毅，双方交换了意见", ["唐纳德·特朗普会见了王毅，双方交换了意见"]),
        ("贸易增长了３．５个百分点。1．第一点", ["贸易增长了３．５个百分点。", "1．第一点"]),
    ],
)  # fmt: skip
def test_full_width_marks_end_chinese_sentences_without_a_space_after_them(text, expected):  # noqa: ANN001
    assert sentences(text) == expected


def test_empty_and_blank_texts_have_no_sentences() -> None:
    assert split_sentences("") == [] and split_sentences(" \n\t ") == []


TOKENS = [*'ab .!?\n"”“’A1', "Dr.", "U.S.", "W.", "e.g.", " ", *"中文。！？．「」"]


@given(st.lists(st.sampled_from(TOKENS)).map("".join))
def test_spans_cover_every_visible_character_in_order_without_overlap(text: str) -> None:
    spans = split_sentences(text)
    position = 0
    for start, end in spans:
        assert position <= start < end
        assert text[start:end] == text[start:end].strip()
        assert not text[position:start].strip(), "only whitespace between sentences"
        position = end
    assert not text[position:].strip()


@given(st.text())
def test_any_unicode_text_is_covered(text: str) -> None:
    covered = "".join(text[start:end] for start, end in split_sentences(text))
    assert "".join(covered.split()) == "".join(text.split())
