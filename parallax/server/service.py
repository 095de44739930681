"""One open index answering queries for a long-lived server: the same use cases and the same
JSON objects as the CLI's `--json`, bounded inputs, and the newest published generation.

A request holds the service's lock from its `refresh()` to its last read, so it sees one
generation throughout, and a refresh never swaps the reader under another request."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from indexes import Filters, Mode
from parallax import render
from parallax.errors import UsageError
from parallax.groups import GroupBy
from parallax.session import Session

# Bounds on what one request may ask for; the API publishes them in its OpenAPI schema.
MAX_QUESTION = 1000  # characters of a question or a --text
MAX_TOPIC = 200  # characters of a compare topic
MAX_FILTER = 200  # characters of a filter value
MAX_K = 100  # passages (or documents) per answer
MAX_PER_DOCUMENT = 20  # passages per document with by_document
MAX_PASSAGES = 20  # best passages per source in compare
MAX_CONTEXT = 20  # neighbouring passages on each side in show
MAX_ID = 100  # characters of a passage id

T = TypeVar("T")


@dataclass(frozen=True)
class Reply:
    """A JSON-ready body (or a Markdown string) and the generation it was read from."""

    body: Any
    generation: str
    stale: str | None = None  # why a newer generation was not used (damaged, …), if one was


@dataclass(frozen=True)
class Scope:
    """The document filters of ask, related and compare, as the CLI's options give them."""

    source: str | None = None
    since: str | None = None
    until: str | None = None
    author: str | None = None

    def filters(self) -> Filters:
        for name, value in vars(self).items():
            if value is not None and len(value) > MAX_FILTER:
                raise UsageError(f"the {name} filter is longer than {MAX_FILTER} characters")
        try:
            return Filters(**{k: (v or None) for k, v in vars(self).items()})
        except ValueError as error:
            raise UsageError(str(error), "Dates are ISO-8601 prefixes: 2017, 2020-08 or "
                                         "2017-04-06.") from None


def question(value: str, limit: int = MAX_QUESTION, what: str = "question") -> str:
    """The checks the CLI makes on a question (parallax.app._question), as usage errors."""
    value = value.strip()
    if not value:
        raise UsageError(f"the {what} is empty", f"Give a {what} in plain language.")
    if not re.search(r"\w", value):
        raise UsageError(f"the {what} has no words, only punctuation",
                         f"Give a {what} in plain language.")
    if len(value) > limit:
        raise UsageError(f"the {what} is longer than {limit} characters",
                         f"Shorten the {what}.")
    return value


def _bounded(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise UsageError(f"{name} must be between {low} and {high}, not {value}")
    return value


class Service:
    """An index opened once, with its model, answering from the newest generation."""

    def __init__(self, index_dir: Path, session: Session | None = None) -> None:
        self.index_dir = index_dir
        self._session = session or Session(index_dir)
        self._lock = threading.Lock()

    @contextmanager
    def _current(self) -> Iterator[Session]:
        with self._lock:
            self._session.refresh()
            yield self._session

    def _reply(self, work: Callable[[Session], T]) -> Reply:
        with self._current() as session:
            return Reply(work(session), session.reader.generation.name,
                         session.refresh_problem)

    def warm(self) -> None:
        """Load the model now, so that the first question is not the slow one."""
        with self._current() as session:
            session.encoder  # noqa: B018 - loading is the point

    def close(self) -> None:
        with self._lock:
            self._session.close()

    # The use cases, as the CLI calls them ---------------------------------------------------

    def ask(self, q: str, k: int = 5, mode: Mode = Mode.hybrid, scope: Scope = Scope(),
            by_document: bool = False, per_document: int = 3) -> Reply:
        """`parallax ask … --json` (with `by_document`, `--by-document`)."""
        from parallax.ask import ask, ask_by_document

        q = question(q)
        _bounded("k", k, 1, MAX_K)
        _bounded("per_document", per_document, 1, MAX_PER_DOCUMENT)
        filters = scope.filters()
        if by_document:
            return self._reply(lambda s: render.grouped_answer_json(
                ask_by_document(s, q, k, per_document, mode, filters)))
        return self._reply(lambda s: render.answer_json(ask(s, q, k, mode, filters)))

    def related(self, passage_id: str | None = None, text: str | None = None, k: int = 5,
                mode: Mode = Mode.hybrid, scope: Scope = Scope(),
                other_sources: bool = False) -> Reply:
        """`parallax related PASSAGE_ID --json` or `parallax related --text … --json`."""
        from parallax.related import related

        if (passage_id is None) == (text is None):
            raise UsageError("give a passage_id or a text (one of them)",
                             "Passage ids are printed by ask and compare, e.g. f7e65fcd9762.8")
        if text is not None:
            text = question(text, what="text")
        if passage_id is not None:
            passage_id = _passage_id(passage_id)
        _bounded("k", k, 1, MAX_K)
        filters = scope.filters()
        return self._reply(lambda s: render.related_json(
            related(s, passage_id, text, k, mode, filters, other_sources)))

    def compare(self, topic: str, by: GroupBy = GroupBy.document, passages: int = 2,
                mode: Mode = Mode.hybrid, scope: Scope = Scope(),
                markdown: bool = False) -> Reply:
        """`parallax compare TOPIC --json`, or with `markdown` the report `--md` writes."""
        from parallax import render_compare
        from parallax.compare import compare

        topic = question(topic, MAX_TOPIC, "topic")
        _bounded("passages", passages, 1, MAX_PASSAGES)
        filters = scope.filters()
        out = (render_compare.comparison_markdown if markdown
               else render_compare.comparison_json)
        return self._reply(lambda s: out(compare(s, topic, mode, by, passages, filters)))

    def sources(self) -> Reply:
        """`parallax sources --json`."""
        from parallax.browse import chronological

        return self._reply(lambda s: {
            "index": str(s.reader.index_dir), "model": s.reader.manifest.model,
            "documents": [render.source_json(d) for d in chronological(s.reader.documents())]})

    def show(self, passage_id: str, context: int = 0) -> Reply:
        """`parallax show PASSAGE_ID --context N --json`."""
        from parallax.browse import show_passage

        passage_id = _passage_id(passage_id)
        _bounded("context", context, 0, MAX_CONTEXT)
        return self._reply(lambda s: render.in_context_json(
            show_passage(s.reader, passage_id, context)))


def _passage_id(value: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_ID:
        raise UsageError(f"not a passage id: {value[:MAX_ID]!r}",
                         "Passage ids are printed by ask and compare, e.g. f7e65fcd9762.8")
    return value
