"""Questions that name a document's author or year boost that document, and the names are
left out of what gets embedded."""

from __future__ import annotations

from pathlib import Path

from indexes import DocumentRecord, IndexReader
from indexes.query.mentions import MentionIndex, find_mentions
from parallax.indexing import build_index


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


def test_an_index_reads_names_and_years_from_sqlite_indexes_not_every_document(
        tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    # A hybrid question looks for the authors and years it names: at a million passages a
    # scan of every document's row cost a cold `ask` 0.12 s per column.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "metadata.csv").write_text(
        "file,title,date,author\na.txt,A,2021-02-22,Wang Yi\nb.txt,B,2020-08-07,Yang Jiechi\n"
        "c.txt,C,2005,\n", encoding="utf-8")
    for name in "abc":
        (corpus / f"{name}.txt").write_text(f"Passage of {name} on trade.\n", encoding="utf-8")
    build_index([corpus], tmp_path / "index", encoder_loader=lambda name: fake_encoder)
    with IndexReader(tmp_path / "index") as reader:
        statements: list[str] = []
        for segment in reader.segments:
            segment.db.set_trace_callback(statements.append)
        found = reader.mentions.find("Yang Jiechi in 2021 on history")
        for segment in reader.segments:
            segment.db.set_trace_callback(None)
        by_name = {d.path.rsplit("/", 1)[-1]: d.rowid for d in reader.documents()}
        assert found.documents == {by_name["b.txt"]: 1, by_name["a.txt"]: 1}
        reads = [s for s in statements if "FROM documents" in s]
        assert reads
        for statement in reads:
            plan = " ".join(str(row[-1]) for row in reader.segments[0].db.execute(
                "EXPLAIN QUERY PLAN " + statement))
            assert "USING COVERING INDEX documents_by_" in plan or \
                "USING INDEX documents_by_" in plan, (statement, plan)
