"""The five sample statements: boilerplate goes, every line of prose stays, passages are exact."""

from __future__ import annotations

import hashlib

import pytest

from corpus import ParsedDocument, split_sentences

PREFIXES = ["000", "001", "002", "003", "004"]

# Line numbers (1-based) each sample file must lose as boilerplate, and why.
EXPECTED_DROPPED = {
    "000": {1: "navigation menu", **dict.fromkeys(range(2, 11), "navigation menu"),
            26: "copyright/footer"},
    "001": {17: "copyright/footer", 19: "copyright/footer"},
    "002": {},
    "003": {},
    "004": {57: "comment/sign-up prompt", 59: "comment/sign-up prompt",
            61: "comment/sign-up prompt"},
}  # fmt: skip


@pytest.mark.parametrize("prefix", sorted(EXPECTED_DROPPED))
def test_exactly_the_boilerplate_lines_are_dropped(
    sample_docs: dict[str, ParsedDocument], prefix: str
) -> None:
    dropped = {d.line: d.reason for d in sample_docs[prefix].dropped}
    assert dropped == EXPECTED_DROPPED[prefix]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_no_line_of_prose_is_dropped_or_lost(sample_docs, prefix) -> None:  # noqa: ANN001
    doc = sample_docs[prefix]
    in_passages = " ".join(p.text for p in doc.passages)
    for line in doc.text.split("\n"):
        if _is_prose(line):
            assert " ".join(line.split()) in in_passages
    assert not [d.text for d in doc.dropped if _is_prose(d.text)]


def _is_prose(line: str) -> bool:
    """A line with sentence punctuation and 200+ characters or two sentences of 8+ words."""
    long_sentences = [s for s, e in split_sentences(line) if len(line[s:e].split()) >= 8]
    punctuated = any(mark in line for mark in ".!?")
    return punctuated and (len(line) >= 200 or len(long_sentences) >= 2)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_sentence_lands_in_one_passage_or_heading(
    sample_docs,
    check_document,
    prefix,  # noqa: ANN001
) -> None:
    check_document(sample_docs[prefix])


@pytest.mark.parametrize("prefix", PREFIXES)
def test_offsets_and_lines_match_the_file_on_disk(sample_docs, prefix) -> None:  # noqa: ANN001
    doc = sample_docs[prefix]
    text = doc.path.read_text(encoding="utf-8")
    lines = text.split("\n")
    for passage in doc.passages:
        assert " ".join(text[passage.char_start : passage.char_end].split()) == passage.text
        by_lines = "\n".join(lines[passage.line_start - 1 : passage.line_end])
        assert " ".join(by_lines.split()) == passage.text


def test_lines_of_text_separated_by_single_newlines_are_separate_paragraphs(sample_docs) -> None:  # noqa: ANN001
    passages = sample_docs["003"].passages
    starting = [p for p in passages if p.text.startswith("China and the US, together with the")]
    assert len(starting) == 1
    previous = passages[starting[0].ordinal - 1]
    assert previous.text.startswith("The exchange of visits between the Chinese and American")
    assert previous.line_end == starting[0].line_start - 1  # only a single newline between


def test_roman_numerals_are_headings_of_the_passages_below(sample_docs) -> None:  # noqa: ANN001
    doc = sample_docs["003"]
    assert [h.text for h in doc.headings][2:] == ["I", "II", "III", "IV"]
    assert all(p.text not in {"I", "II", "III", "IV"} for p in doc.passages)
    under_iii = next(p for p in doc.passages if p.text.startswith("China-US relations are now"))
    assert under_iii.heading == "III"
    assert under_iii.line_start == next(h.line for h in doc.headings if h.text == "III") + 1


def test_a_title_split_over_two_lines_is_one_heading(sample_docs) -> None:  # noqa: ANN001
    doc = sample_docs["003"]
    title = ("Respect History, Look to the Future and Firmly Safeguard and Stabilize "
             "China-US Relations")  # fmt: skip
    assert [(h.line, h.text) for h in doc.headings[:2]] == [
        (2, "Respect History, Look to the Future and"),
        (4, "Firmly Safeguard and Stabilize China-US Relations"),
    ]
    assert doc.passages[0].heading == title
    assert doc.passages[0].text.startswith("The relations between China and the United States")


def test_short_lines_of_the_speech_are_kept_not_dropped(sample_docs) -> None:  # noqa: ANN001
    doc = sample_docs["004"]
    texts = [p.text for p in doc.passages]
    assert "Thank you!" in texts and "Distinguished Guests," in texts
    assert "How to bring China-U.S. relations back to the right track?" in texts
    assert sample_docs["001"].passages[-1].text.startswith("* Main points of the talk")


def test_bylines_and_datelines_are_headings_that_label_nothing(sample_docs) -> None:  # noqa: ANN001
    doc = sample_docs["001"]
    headings = [h.text for h in doc.headings]
    assert "Xi Jinping: The Governance of China II Updated: 2021-12-28" in headings
    assert "April 6, 2017" in headings
    assert {p.heading for p in doc.passages} == {
        "There Are a Thousand Reasons to Make the China-US Relationship a Success*"
    }
    assert {p.heading for p in sample_docs["002"].passages} == {sample_docs["002"].headings[0].text}


def test_menu_title_after_the_menu_survives_as_heading(sample_docs) -> None:  # noqa: ANN001
    doc = sample_docs["000"]
    assert [(h.line, h.text) for h in doc.headings] == [(11, "China-US Relations")]
    assert doc.passages[0].text.startswith("In 2005, China-US relations were generally")


@pytest.mark.parametrize(
    ("prefix", "title", "date"),
    [
        ("000", "China-US Relations", None),
        ("001", "There Are a Thousand Reasons to Make the China-US Relationship a Success",
         "2017-04-06"),
        ("002", "To push China-U.S. relations to make greater progress from new starting point",
         "2025-01-17"),
        ("003", "Respect History, Look to the Future and Firmly Safeguard and Stabilize "
                "China-US Relations", None),
        ("004", "Bringing China-U.S. Relations Back to the Right Track", None),
    ],
)  # fmt: skip
def test_title_and_date_are_inferred_without_metadata(sample_docs, prefix, title, date) -> None:  # noqa: ANN001
    metadata = sample_docs[prefix].metadata
    assert (metadata.title, metadata.title_inferred) == (title, True)
    assert (metadata.date, metadata.date_inferred) == (date, date is not None)


def test_a_file_is_identified_by_the_hash_of_its_bytes(sample_docs) -> None:  # noqa: ANN001
    path = sample_docs["002"].path
    assert sample_docs["002"].content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
    assert sample_docs["002"].encoding == "utf-8"
