"""Questions that name a source: "What did Wang Yi say in 2021 about …".

Users of a collection of statements often name the speaker or the year. Those words say
*which document*, not *what the passage says*, and a sentence embedding cannot use them well:
"2017" is a weak token, and a name pulls toward any passage that mentions the person. So the
default search treats a mention of a document's author or year as a soft boost for that
document's passages, and leaves it out of the text that is embedded (a light form of
self-querying retrieval). Nothing here is specific to a corpus: it reads the index's metadata.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from indexes.records import DocumentRecord

_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")


@dataclass(frozen=True)
class Mentions:
    semantic: str  # the question without the metadata words, for the embedding
    documents: dict[int, int] = field(default_factory=dict)  # doc rowid -> fields mentioned


def _name_words(name: str | None) -> set[str]:
    return {w.casefold() for w in _WORD.findall(name or "") if len(w) >= 2 and not w.isdigit()}


def find_mentions(question: str, documents: Iterable[DocumentRecord]) -> Mentions:
    """Which documents the question names by author or year, and the question without
    those words. A question naming nothing comes back unchanged."""
    words = {w.casefold() for w in _WORD.findall(question)}
    years = set(_YEAR.findall(question))
    hits: dict[int, int] = {}
    named: set[str] = set()
    for doc in documents:
        count = 0
        author = _name_words(doc.author) & words
        if author:
            count += 1
            named |= author
        if doc.date and doc.date[:4] in years:
            count += 1
            named.add(doc.date[:4])
        if count:
            hits[doc.rowid] = count
    if not hits:
        return Mentions(question)
    semantic = _WORD.sub(lambda m: "" if m.group(0).casefold() in named else m.group(0), question)
    semantic = " ".join(semantic.split())
    return Mentions(semantic if _WORD.search(semantic) else question, hits)
