"""Questions that name a source: "What did Wang Yi say in 2021 about …".

Users of a collection of statements often name the speaker or the year. Those words say
*which document*, not *what the passage says*, and a sentence embedding cannot use them well:
"2017" is a weak token, and a name pulls toward any passage that mentions the person. So the
default search treats a mention of a document's author or year as a soft boost for that
document's passages, and leaves it out of the text that is embedded (a light form of
self-querying retrieval). Nothing here is specific to a corpus: it reads the index's metadata.
An author word that is common in the texts themselves ("China" in "Ministry of Foreign Affairs
of the People's Republic of China") names no document and is ignored, as are stopwords.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from indexes.lexical.fts import STOPWORDS
from indexes.records import DocumentRecord

_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")


@dataclass(frozen=True)
class Mentions:
    semantic: str  # the question without the metadata words, for the embedding
    documents: dict[int, int] = field(default_factory=dict)  # doc rowid -> fields mentioned


def _name_words(name: str | None) -> set[str]:
    words = {w.casefold() for w in _WORD.findall(name or "")}
    return {w for w in words if len(w) >= 2 and not w.isdigit() and w not in STOPWORDS}


class MentionIndex:
    """Author words and years of every document, looked up per question in O(words)."""

    def __init__(self, by_author: Mapping[str, Iterable[int]],
                 by_year: Mapping[str, Iterable[int]]) -> None:
        """From documents grouped by author and by year (the first four characters of their
        date). Only the keys are read here: a group's documents are read from the mapping
        when a question names it, so a mapping that reads them on demand (the reader's)
        costs a cold `ask` a list of authors, not a row per document."""
        self._by_author = by_author
        self._by_year = by_year
        self._authors_of: dict[str, list[str]] = {}  # name word -> authors whose name has it
        for author in by_author:  # a few hundred for 100,000s of documents
            for word in _name_words(author):
                self._authors_of.setdefault(word, []).append(author)

    def words(self) -> dict[str, set[int]]:
        """Each author word and the documents it names (every group read)."""
        return {word: self._named_by(word) for word in self._authors_of}

    def years(self) -> dict[str, set[int]]:
        return {year: set(self._by_year[year]) for year in self._by_year}

    def _named_by(self, word: str) -> set[int]:
        return set().union(*(self._by_author[author] for author in self._authors_of[word]))

    @classmethod
    def of_documents(cls, documents: Iterable[DocumentRecord]) -> MentionIndex:
        by_author: dict[str, list[int]] = {}
        by_year: dict[str, list[int]] = {}
        for doc in documents:
            if doc.author:
                by_author.setdefault(doc.author, []).append(doc.rowid)
            if doc.date:
                by_year.setdefault(doc.date[:4], []).append(doc.rowid)
        return cls(by_author, by_year)

    def find(self, question: str, common: Callable[[str], bool] | None = None) -> Mentions:
        """Which documents the question names by author or year (one count per field),
        and the question without those words. A question naming nothing comes back as is.
        `common(word)` tells an author word too frequent in the texts to name anyone."""
        authors: dict[int, set[str]] = {}
        for word in {w.casefold() for w in _WORD.findall(question)}:
            if word not in self._authors_of or (common is not None and common(word)):
                continue
            for rowid in self._named_by(word):
                authors.setdefault(rowid, set()).add(word)
        years = {y: self._by_year[y] for y in set(_YEAR.findall(question)) if y in self._by_year}
        hits = {rowid: 1 for rowid in authors}
        for rowids in years.values():
            for rowid in rowids:
                hits[rowid] = hits.get(rowid, 0) + 1
        if not hits:
            return Mentions(question)
        named = set().union(*authors.values(), years)
        semantic = _WORD.sub(lambda m: "" if m.group(0).casefold() in named else m.group(0),
                             question)
        semantic = " ".join(semantic.split())
        return Mentions(semantic if _WORD.search(semantic) else question, hits)


def find_mentions(question: str, documents: Iterable[DocumentRecord]) -> Mentions:
    """One-off form of MentionIndex.of_documents(documents).find(question)."""
    return MentionIndex.of_documents(documents).find(question)
