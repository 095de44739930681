"""parse_text on strings: paragraphs, headings, boilerplate, long passages, inferred metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import Metadata, parse_text, split_sentences

PSEUDO = Path("/records/doc-1")


def parse(text: str, metadata: Metadata | None = None):  # noqa: ANN201
    return parse_text(text, path=PSEUDO, metadata=metadata)


def test_a_single_paragraph_without_title_is_one_passage() -> None:
    doc = parse("Aspirin lowers the risk of stroke. It was tested in 2001.")
    assert [p.text for p in doc.passages] == [
        "Aspirin lowers the risk of stroke. It was tested in 2001."
    ]
    assert doc.passages[0].heading is None and doc.headings == [] and doc.dropped == []
    assert doc.metadata.title is None and doc.metadata.date is None


def test_a_text_of_one_short_line_is_still_searchable() -> None:
    doc = parse("Vitamin D and bone density")
    assert [p.text for p in doc.passages] == ["Vitamin D and bone density"]


def test_in_memory_records_are_hashed_from_their_text() -> None:
    assert parse("Same text.").content_hash == parse("Same text.").content_hash
    assert parse("Same text.").content_hash != parse("Other text.").content_hash


def test_hard_wrapped_lines_are_joined_and_short_last_lines_end_paragraphs() -> None:
    text = (
        "The first paragraph is wrapped at a fixed width so that its lines\n"
        "continue each other. It ends here, on a short line.\n"
        "The second paragraph starts on the next line without a blank line and\n"
        "wraps again before it ends.\n"
    )
    doc = parse(text)
    assert [(p.line_start, p.line_end) for p in doc.passages] == [(1, 2), (3, 4)]


def test_markdown_headings_label_the_passages_below() -> None:
    doc = parse("# Report\n\nIntro text here.\n\n## Methods\nWe measured things.\n")
    assert [h.text for h in doc.headings] == ["Report", "Methods"]
    assert [(p.text, p.heading) for p in doc.passages] == [
        ("Intro text here.", "Report"),
        ("We measured things.", "Methods"),
    ]
    assert doc.metadata.title == "Report" and doc.metadata.title_inferred


BODY = ("Alterations of the architecture of cerebral white matter in the developing brain "
        "can affect cortical development and result in functional disabilities. We measured "
        "it in 17 newborns and in 7 preterm infants, twice, with diffusion tensor imaging, "
        "and compared the relative anisotropy of the central white matter, the internal "
        "capsule and the corpus callosum between the two groups at term. Anisotropy was "
        "lower in the preterm infants, and it rose with age in both groups. The changes "
        "were largest in the first weeks after birth.")


@pytest.mark.parametrize("title", [
    "Microstructural development of human newborn white matter assessed in vivo.",
    "Induction of myelodysplasia by myeloid-derived suppressor cells in mice and in humans "
    "exposed to a single inflammatory signal over several weeks of follow-up",
])
def test_a_first_line_above_the_prose_is_the_title_even_with_a_period_or_many_words(
        title: str) -> None:
    doc = parse(f"{title}\n\n{BODY}\n")
    assert doc.metadata.title == title and doc.metadata.title_inferred
    assert [(p.text, p.heading) for p in doc.passages] == [(BODY, title)]


@pytest.mark.parametrize("first", [
    "Thank you. We meet today in Beijing.",  # two sentences: prose
    "Is aspirin safe for newborns?",  # a question opens prose as often as it titles
    "The ministry said that the talks, held in Geneva, Paris, London and Rome, went well,",
    # A news story's lead: its dateline, or a sentence longer than a title with a period.
    "BEIJING, Jan. 17 (Xinhua) -- Chinese President Xi Jinping held a phone call today.",
    "Chinese President Xi Jinping held a telephone conversation with U.S. President-elect "
    "Donald Trump on Friday, and the two sides agreed to keep in touch on the trade talks.",
])
def test_a_first_line_that_reads_as_prose_stays_a_passage(first: str) -> None:
    doc = parse(f"{first}\n\n{BODY}\n")
    assert [p.text for p in doc.passages] == [first, BODY]
    assert doc.metadata.title is None


def test_a_one_sentence_line_is_a_title_only_at_the_top_and_above_longer_prose() -> None:
    short = "We measured it again."
    assert [p.text for p in parse(f"{BODY}\n\n{short}\n\n{BODY}\n").passages] == [
        BODY, short, BODY]
    assert [p.text for p in parse(f"{BODY}\n\n{short}\n").passages] == [BODY, short]
    assert [p.text for p in parse(f"{short}\n\nIt held.\n").passages] == [short, "It held."]
    # A story's opening sentence, then a paragraph of about its length: prose, not a title.
    lead = "China and the United States agreed on Friday to resume the trade talks."
    more = ("The talks will start in Geneva next month, officials of both sides said after "
            "the call between the two presidents.")
    assert [p.text for p in parse(f"{lead}\n\n{more}\n").passages] == [lead, more]


def test_crlf_text_is_normalised_and_offsets_point_into_the_normalised_text() -> None:
    doc = parse("Title\r\n\r\nFirst line.\r\n")
    assert doc.text == "Title\n\nFirst line.\n"
    passage = doc.passages[0]
    assert doc.text[passage.char_start : passage.char_end] == "First line."
    assert passage.line_start == 3


def test_paragraphs_longer_than_4000_chars_are_split_at_sentences() -> None:
    sentence = "This sentence is part of a very long paragraph about trade. "
    doc = parse(sentence * 150)
    assert len(doc.passages) > 1
    assert all(len(p.text) <= 4000 for p in doc.passages)
    assert all(p.text.endswith("trade.") for p in doc.passages)
    assert " ".join(p.text for p in doc.passages) == (sentence * 150).strip()


def test_metadata_given_is_kept_and_only_gaps_are_inferred() -> None:
    text = "A Title\n\nApril 6, 2017\n\nBody text."
    doc = parse(text, Metadata(title="Given", author="Someone"))
    assert doc.metadata == Metadata(
        title="Given", author="Someone", date="2017-04-06", date_inferred=True
    )


def test_dates_in_prose_need_a_day_and_a_dateline_wins_over_an_update_stamp() -> None:
    assert parse("Title\n\nIn 1949 and in February 1972 things happened.").metadata.date is None
    doc = parse("Title\n\nSite Name Updated: 2021-12-28\n\n6 April 2017\n\nBody text.")
    assert doc.metadata.date == "2017-04-06"


def test_boilerplate_lines_are_dropped_with_a_reason() -> None:
    text = (
        "HOME NEWS WORLD BUSINESS SPORTS CULTURE OPINION VIDEO PHOTOS\n\n"
        "Real prose is here. It stays.\n\n"
        "Share this\n\nSubscribe to our newsletter\n\n"
        "Your email address will not be published. Required fields are marked *\n\n"
        "-----\n\n© 2024 Example News. All rights reserved.\n"
    )
    doc = parse(text)
    assert [p.text for p in doc.passages] == ["Real prose is here. It stays."]
    assert [d.reason for d in doc.dropped] == [
        "navigation menu",
        "comment/sign-up prompt",
        "comment/sign-up prompt",
        "comment/sign-up prompt",
        "separator line",
        "copyright/footer",
    ]


def test_prose_that_mentions_copyright_or_subscribing_is_kept() -> None:
    text = (
        "The court discussed copyright law at length, and readers may subscribe to the view "
        "that all rights reserved by the author were respected. " * 3
    )
    assert parse(text).dropped == []


@pytest.mark.parametrize(
    "menu",
    [
        "Home | World | Business | Sports | Tech | Contact | About Us | Careers",
        "| Home | World | Business | Sports | Tech |",
        "News • Opinion • Video • Podcasts • Newsletters",
        "首页 · 新闻 · 国际 · 财经 · 体育",
        "home|world|business|sports|tech",
    ],
)
def test_a_line_of_short_items_between_bars_or_bullets_is_a_navigation_menu(menu: str) -> None:
    doc = parse(f"{menu}\n\nReal prose is here. It stays.\n")
    assert [(d.text, d.reason) for d in doc.dropped] == [(menu, "navigation menu")]


@pytest.mark.parametrize(
    "line",
    [
        "| Cell one | Cell two |",  # a table row of two cells
        "Talks | Trade | Security | Climate",  # three separators only
        "Both sides met. | They talked. | It rained. | We left. | The end.",  # sentences
        "Trade talks in Geneva resumed | World | Business | Sports | Tech",  # a 5-word item
        "| 2005 | 211.6 | 24.8 | 3 | 2,000 |",  # figures, not items
        "唐纳德·特朗普、约瑟夫·拜登、巴拉克·奥巴马、乔治·布什、比尔·克林顿",  # names, unspaced dots
    ],
)
def test_lines_that_only_resemble_a_menu_are_kept(line: str) -> None:
    assert parse(f"{line}\n\nReal prose is here. It stays.\n").dropped == []


def test_table_rows_are_text_not_headings() -> None:
    doc = parse(
        "Results\n\n| Year | Trade |\n| --- | :---: |\n| 2005 | Cell one |\n| 2006 | Cell two |\n"
    )
    assert [h.text for h in doc.headings] == ["Results"]
    assert [(d.line, d.reason) for d in doc.dropped] == [(4, "separator line")]
    assert [(p.text, p.heading) for p in doc.passages] == [
        ("| Year | Trade |", "Results"),
        ("| 2005 | Cell one | | 2006 | Cell two |", "Results"),
    ]


CHINESE = (
    "中美关系的新篇章\n"
    "\n"
    "中美两国是世界上最大的发展中国家和最大的发达国家。双方应当相互尊重，和平共处，合作共赢。\n"
    "\n"
    "经贸合作是中美关系的压舱石和推进器！两国人民的友好交往源远流长？我们对未来充满信心。\n"
)


def test_a_chinese_document_has_a_title_and_paragraphs_of_sentences(check_document) -> None:  # noqa: ANN001
    doc = parse(CHINESE)
    assert [h.text for h in doc.headings] == ["中美关系的新篇章"]
    assert (doc.metadata.title, doc.metadata.title_inferred) == ("中美关系的新篇章", True)
    assert [(p.line_start, p.heading) for p in doc.passages] == [
        (3, "中美关系的新篇章"),
        (5, "中美关系的新篇章"),
    ]
    second = doc.passages[1]
    assert [second.text[s:e] for s, e in split_sentences(second.text)] == [
        "经贸合作是中美关系的压舱石和推进器！",
        "两国人民的友好交往源远流长？",
        "我们对未来充满信心。",
    ]
    check_document(doc)


def test_chinese_paragraphs_on_single_lines_are_not_joined_as_wrapped_lines(check_document) -> None:  # noqa: ANN001
    # 80 Chinese characters fill 160 columns: too long to be a hard-wrapped line.
    first, second = "中美两国应当相互尊重。" * 8, "双方应当加强合作，共同应对挑战。" * 5
    doc = parse(f"中美关系\n{first}\n{second}\n")
    assert [h.text for h in doc.headings] == ["中美关系"]
    assert [p.text for p in doc.passages] == [first, second]
    check_document(doc)


# Generated documents ------------------------------------------------------------------------

WORDS = ["trade", "China", "the", "U.S.", "relations", "Dr.", "US$2.5", "“growth”", "talks",
         "e.g.", "Jan.", "peace", "of", "and", "W.", "cooperation", "Taiwan"]  # fmt: skip

sentence = st.builds(
    lambda first, rest, end: " ".join([first, *rest]) + end,
    st.sampled_from(["The", "Both", "China", "Leaders", "Trade", "In 2005,"]),
    st.lists(st.sampled_from(WORDS), min_size=3, max_size=14),
    st.sampled_from([".", "!", "?", ".”"]),
)
paragraph = st.lists(sentence, min_size=1, max_size=5).map(" ".join)
heading = st.sampled_from(["II", "Background", "# Methods", "Looking Ahead", "IV"])
boilerplate = st.sampled_from(["Leave a Reply", "Copyright © 2020 Example. All Rights Reserved."])
chinese = st.lists(
    st.sampled_from(["中美两国应当相互尊重。", "合作是唯一正确的选择！", "问题在哪里？"]),
    min_size=1,
).map("".join)
block = st.one_of(paragraph, paragraph, paragraph, heading, boilerplate, chinese)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(block, st.sampled_from(["\n\n", "\n", "\n\n\n"])), min_size=1))
def test_generated_documents_lose_no_sentence(check_document, blocks) -> None:  # noqa: ANN001
    text = "".join(content + separator for content, separator in blocks)
    doc = parse(text)
    check_document(doc)
    passages = " ".join(p.text for p in doc.passages)
    for number, (content, _) in enumerate(blocks):
        if content.endswith((".", "!", "?", "”", "。", "！", "？")) and "Copyright" not in content:
            # Or the text's first line, read as its title above much longer prose.
            title = number == 0 and doc.metadata.title == content and doc.headings
            assert content in passages or title


def test_importing_corpus_loads_no_heavy_or_optional_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys, corpus; heavy = {'bs4', 'pypdf', 'charset_normalizer', 'numpy', 'torch'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr
