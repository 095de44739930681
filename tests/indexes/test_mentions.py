"""Questions that name a document's author or year boost that document, and the names are
left out of what gets embedded."""

from __future__ import annotations

from indexes import DocumentRecord
from indexes.mentions import MentionIndex, find_mentions


def _doc(rowid: int, author: str | None, date: str | None) -> DocumentRecord:
    return DocumentRecord(rowid=rowid, id=str(rowid), path=f"/c/{rowid}.txt", root="/c",
                          title="t", date=date, author=author, publisher=None)


DOCS = [_doc(1, "Wang Yi", "2021-02-22"), _doc(2, "Yang Jiechi", "2020-08-07"),
        _doc(3, None, "2005")]


def test_an_author_mention_boosts_that_document_and_leaves_the_embedding() -> None:
    found = find_mentions("What did Wang Yi say about human rights?", DOCS)
    assert found.documents == {1: 1}
    assert found.semantic == "What did say about human rights?"


def test_a_year_mention_boosts_documents_of_that_year() -> None:
    found = find_mentions("How was trade described in 2005?", DOCS)
    assert found.documents == {3: 1}
    assert "2005" not in found.semantic


def test_author_and_year_together_count_twice() -> None:
    assert find_mentions("Yang Jiechi in 2020 on history", DOCS).documents == {2: 2}


def test_a_question_naming_nothing_is_unchanged() -> None:
    found = find_mentions("What did China say about Taiwan?", DOCS)
    assert found.documents == {} and found.semantic == "What did China say about Taiwan?"


def test_a_question_that_is_only_a_name_keeps_its_words() -> None:
    assert find_mentions("Wang Yi", DOCS).semantic == "Wang Yi"


def test_an_institution_is_not_named_by_its_common_words() -> None:
    ministry = _doc(4, "Ministry of Foreign Affairs of the People's Republic of China", "2019")
    common = {"china", "people"}.__contains__  # frequent in the texts: they name no one
    found = MentionIndex.of_documents([ministry]).find("What did China say about Taiwan?", common)
    assert found.documents == {} and found.semantic == "What did China say about Taiwan?"
    named = MentionIndex.of_documents([ministry]).find("What did the Foreign Ministry say?", common)
    assert named.documents == {4: 1}
