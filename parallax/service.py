"""The application's one façade: every use case the front ends offer (ask, related, compare,
sources, show, check), each validating its inputs in one place and returning plain data.

The command line (parallax.cli), the HTTP API and the MCP tools (parallax.server) only parse
their input, call these functions and convert what comes back (parallax.render and
parallax.stance.render make the JSON objects), so an answer cannot differ between them. The
bounds on inputs are declared here once (`Limits`: the command line's, generous, and a
server's, tight enough that one request cannot occupy it for long), and so are the document
filters (`Scope`, `FILTER_HELP`).

`Service` is an index held open by a long-lived front end (the server, the MCP server): one
lock per request, and the newest published generation at each request."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from indexes import Filters, IndexReader, Mode
from parallax.errors import UsageError
from parallax.session import Session
from parallax.stance.groups import GroupBy
from parallax.threads import enter_query_thread

if TYPE_CHECKING:
    from indexes.storage.check import CheckReport
    from indexes.storage.sizes import SizeReport
    from parallax.search.browse import Listing, PassageInContext
    from parallax.search.related import Related
    from parallax.search.results import Answer, GroupedAnswer
    from parallax.stance.compare import Comparison

T = TypeVar("T")

PASSAGE_ID_HINT = "Passage ids are printed by ask and compare, e.g. f7e65fcd9762.8"


@dataclass(frozen=True)
class Limits:
    """The most one call may ask for; None: unbounded (the command line's own choice)."""

    k: int  # passages (or documents) per answer
    per_document: int  # passages per document with by_document
    passages: int | None  # best passages per source in compare
    context: int  # neighbouring passages on each side in show
    question: int | None  # characters of a question or a related text
    topic: int | None  # characters of a compare topic
    filter: int | None  # characters of a filter value
    passage_id: int | None  # characters of a passage id
    claim: int | None  # characters of a claim
    claims: int | None  # claims checked at once (compare bounds them too)


# A typo (-k 1000000000000000000000) stays a usage error instead of an overflow deep in FAISS
# or SQLite; no reader looks at ten thousand passages.
CLI_LIMITS = Limits(k=10_000, per_document=10_000, passages=None, context=1000, question=None,
                    topic=None, filter=None, passage_id=None, claim=None,
                    claims=None)
# A server answers many clients: one request must not hold it for long. The API and the MCP
# tools publish these in their schemas.
SERVER_LIMITS = Limits(k=100, per_document=20, passages=20, context=20, question=1000,
                       topic=200, filter=200, passage_id=100, claim=500,
                       claims=20)

# The help of each document filter, for every front end's option, query parameter or field.
FILTER_HELP = {
    "source": "Only documents whose file name or path matches this glob.",
    "since": "Only documents dated on or after this ISO date (2017, 2020-08, …).",
    "until": "Only documents dated on or before this ISO date.",
    "author": "Only documents whose author contains this (case-insensitive).",
}


@dataclass(frozen=True)
class Scope:
    """The document filters of ask, related and compare, as a front end receives them."""

    source: str | None = None
    since: str | None = None
    until: str | None = None
    author: str | None = None

    def filters(self, limits: Limits = CLI_LIMITS) -> Filters:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, value in values.items():
            if value is not None and limits.filter is not None and len(value) > limits.filter:
                raise UsageError(f"the {name} filter is longer than {limits.filter} characters")
        try:
            return Filters(**{name: (value or None) for name, value in values.items()})
        except ValueError as error:
            raise UsageError(str(error), "Dates are ISO-8601 prefixes: 2017, 2020-08 or "
                                         "2017-04-06.") from None


def question(value: str, limit: int | None = None, what: str = "question") -> str:
    """A question (or a topic, a text, a claim: `what`) stripped, with words, within `limit`."""
    value = value.strip()
    if not value:
        raise UsageError(f"the {what} is empty", f"Give a {what} in plain language.")
    if not re.search(r"\w", value):
        raise UsageError(f"the {what} has no words, only punctuation",
                         f"Give a {what} in plain language.")
    if limit is not None and len(value) > limit:
        raise UsageError(f"the {what} is longer than {limit} characters", f"Shorten the {what}.")
    return value


def passage_id(value: str, limits: Limits = CLI_LIMITS) -> str:
    value = value.strip()
    too_long = limits.passage_id is not None and len(value) > limits.passage_id
    if not value or too_long:
        raise UsageError(f"not a passage id: {value[:limits.passage_id or 100]!r}",
                         PASSAGE_ID_HINT)
    return value


def bounded(name: str, value: int, low: int, high: int | None) -> int:
    if value < low or (high is not None and value > high):
        within = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise UsageError(f"{name} must be {within}, not {value}")
    return value


# The use cases ---------------------------------------------------------------------------------

def ask(session: Session, q: str, k: int = 5, mode: Mode = Mode.hybrid, scope: Scope = Scope(),
        by_document: bool = False, per_document: int = 3,
        limits: Limits = CLI_LIMITS) -> Answer | GroupedAnswer:
    """`parallax ask`: the passages that best answer a question (or, `by_document`, the best
    documents with their best passages)."""
    from parallax.search.ask import ask as run_ask
    from parallax.search.ask import ask_by_document

    q = question(q, limits.question)
    bounded("k", k, 1, limits.k)
    bounded("per_document", per_document, 1, limits.per_document)
    filters = scope.filters(limits)
    if by_document:
        answer = ask_by_document(session, q, k, per_document, mode, filters)
    else:
        answer = run_ask(session, q, k, mode, filters)
    return replace(answer, warnings=reading_warnings(session, q, mode))


def related(session: Session, passage: str | None = None, text: str | None = None, k: int = 5,
            mode: Mode = Mode.hybrid, scope: Scope = Scope(), other_sources: bool = False,
            limits: Limits = CLI_LIMITS) -> Related:
    """`parallax related`: passages closest in meaning to a passage or to a text."""
    from parallax.search.related import related as run_related

    if (passage is None) == (text is None):
        raise UsageError("give a passage_id or a text (one of them)", PASSAGE_ID_HINT)
    if text is not None:
        text = question(text, limits.question, what="text")
    if passage is not None:
        passage = passage_id(passage, limits)
    bounded("k", k, 1, limits.k)
    filters = scope.filters(limits)
    found = run_related(session, passage, text, k, mode, filters, other_sources)
    if text is None:  # a passage of the index: its model read it when indexing
        return found
    return replace(found, warnings=reading_warnings(session, text, mode))


def reading_warnings(session: Session, text: str, mode: Mode) -> tuple[str, ...]:
    """Warnings about how the index's model reads `text` (a question, a topic): one when it
    is written in a script the model was not trained on and the mode embeds it. Cheap for
    a question in ASCII (nothing is read)."""
    if not mode.needs_vectors or text.isascii():
        return ()
    from embed.models import local_model_dir
    from parallax.errors import ParallaxError
    from parallax.search.scripts import unfamiliar_script

    model = session.reader.manifest.model
    try:
        folder = local_model_dir(model)
    except ParallaxError:  # the bundled model's package is missing: the query says so
        return ()
    warning = unfamiliar_script(text, model, folder)
    return (warning,) if warning else ()


def compare(session: Session, topic: str, by: GroupBy = GroupBy.document, passages: int = 2,
            mode: Mode = Mode.hybrid, scope: Scope = Scope(),
            claims: Sequence[str] | None = None, limits: Limits = CLI_LIMITS) -> Comparison:
    """`parallax compare`: how each source addresses a topic; with `claims`, whether each
    source makes each claim."""
    from parallax.stance.compare import compare as run_compare

    topic = question(topic, limits.topic, what="topic")
    bounded("passages", passages, 1, limits.passages)
    if claims is not None and limits.claims is not None and len(claims) > limits.claims:
        raise UsageError(f"{len(claims)} claims given; at most {limits.claims} at once",
                         "Check the claims in smaller groups.")
    for claim in claims or ():
        if limits.claim is not None and len(claim) > limits.claim:
            raise UsageError(f"a claim is longer than {limits.claim} characters",
                             "Shorten the claim to the point it makes.")
    filters = scope.filters(limits)
    return run_compare(session, topic, mode, by, passages, filters, claims)


def sources(reader: IndexReader) -> Listing:
    """`parallax sources`: the indexed documents in date order."""
    from parallax.search.browse import listing

    return listing(reader)


def show(reader: IndexReader, passage: str, context: int = 0,
         limits: Limits = CLI_LIMITS) -> PassageInContext:
    """`parallax show`: a passage with `context` neighbours on each side."""
    from parallax.search.browse import show_passage

    passage = passage_id(passage, limits)
    bounded("context", context, 0, limits.context)
    return show_passage(reader, passage, context)


def document_file(reader: IndexReader, passage: str, limits: Limits = CLI_LIMITS) -> Path:
    """The file a passage came from, as indexed (for the web page's link to a PDF's page);
    DocumentFileMissing if it is no longer a readable file there."""
    from parallax.errors import DocumentFileMissing

    path = Path(show(reader, passage, 0, limits).document.path)
    if not path.is_file():
        raise DocumentFileMissing(f"{path} is no longer there",
                                  "Refresh the index (parallax index) if it moved.")
    return path


def check(index_dir: Path) -> CheckReport:
    """`parallax check`: everything a query trusts, verified."""
    from indexes.storage.check import check_index

    return check_index(index_dir)


def sizes(index_dir: Path) -> SizeReport:
    """`parallax check --sizes`: what the index takes on disk, by component."""
    from indexes.storage.sizes import index_sizes

    return index_sizes(index_dir)


# An index held open ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Reply(Generic[T]):
    """A use case's plain result and the generation it was read from."""

    value: T
    generation: str
    stale: str | None = None  # why a newer generation was not used (damaged, …), if one was


class Service:
    """An index opened once, with its model, answering from the newest generation. A call
    holds the lock from its refresh to its last read, so it sees one generation throughout,
    and a refresh never swaps the reader under another call."""

    def __init__(self, index_dir: Path, session: Session | None = None,
                 limits: Limits = SERVER_LIMITS) -> None:
        self.index_dir = index_dir
        self.limits = limits
        self._session = session or Session(index_dir)
        self._lock = threading.Lock()

    @contextmanager
    def _current(self) -> Iterator[Session]:
        with self._lock:
            enter_query_thread()  # the server answers from a pool of threads
            self._session.refresh()
            yield self._session

    def _reply(self, work: Callable[[Session], T]) -> Reply[T]:
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

    def ask(self, q: str, k: int = 5, mode: Mode = Mode.hybrid, scope: Scope = Scope(),
            by_document: bool = False, per_document: int = 3) -> Reply[Answer | GroupedAnswer]:
        return self._reply(lambda s: ask(s, q, k, mode, scope, by_document, per_document,
                                         self.limits))

    def related(self, passage: str | None = None, text: str | None = None, k: int = 5,
                mode: Mode = Mode.hybrid, scope: Scope = Scope(),
                other_sources: bool = False) -> Reply[Related]:
        return self._reply(lambda s: related(s, passage, text, k, mode, scope, other_sources,
                                             self.limits))

    def compare(self, topic: str, by: GroupBy = GroupBy.document, passages: int = 2,
                mode: Mode = Mode.hybrid, scope: Scope = Scope(),
                claims: Sequence[str] | None = None) -> Reply[Comparison]:
        return self._reply(lambda s: compare(s, topic, by, passages, mode, scope, claims,
                                             self.limits))

    def sources(self) -> Reply[Listing]:
        return self._reply(lambda s: sources(s.reader))

    def show(self, passage: str, context: int = 0) -> Reply[PassageInContext]:
        return self._reply(lambda s: show(s.reader, passage, context, self.limits))

    def document_file(self, passage: str) -> Reply[Path]:
        return self._reply(lambda s: document_file(s.reader, passage, self.limits))
