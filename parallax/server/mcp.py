"""`parallax mcp`: the index as Model Context Protocol tools over stdio, for LLM agents.

The tools answer with the objects the CLI's `--json` prints, so every passage carries its
citation: `passage_id`, `document.path`, `lines` (1-based, in the original file) and `chars`.
Problems come back as tool errors naming the problem and the next step; a request the
protocol cannot take gets its JSON-RPC error (parallax.server.mcp_stdio). The log (stderr)
has one plain line per problem: an MCP client shows it to its user."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from indexes import Mode
from parallax import render
from parallax.errors import ParallaxError
from parallax.service import FILTER_HELP, SERVER_LIMITS, Reply, Scope, Service
from parallax.stance import render as render_compare
from parallax.stance.groups import GroupBy

bounds = SERVER_LIMITS
log = logging.getLogger("parallax.mcp")
BUG_HINT = ("This is a bug in Parallax: the server's log (stderr) names it; PARALLAX_DEBUG=1 "
            "adds where it happened; please report it.")

INSTRUCTIONS = (
    "Parallax searches an index of documents (statements, speeches, reports) by meaning. "
    "Use `search` for a question, `compare` for how each source addresses a topic, "
    "`related` to find where else a passage's point is made, `show` to read a passage in "
    "context, `sources` to list the documents. Cite passages by document path and lines.")

K = Annotated[int, Field(ge=1, le=bounds.k, description="Number of passages.")]
ModeF = Annotated[Mode, Field(description="Retrieval: hybrid (best), dense or lexical.")]
Source = Annotated[str | None, Field(max_length=bounds.filter,
                                     description=FILTER_HELP["source"])]
Since = Annotated[str | None, Field(max_length=bounds.filter, description=FILTER_HELP["since"])]
Until = Annotated[str | None, Field(max_length=bounds.filter, description=FILTER_HELP["until"])]
Author = Annotated[str | None, Field(max_length=bounds.filter,
                                     description=FILTER_HELP["author"])]


def build(service: Service) -> Any:
    """An MCP server (the SDK's MCPServer) with the five tools over `service`."""
    from mcp.server.mcpserver.exceptions import ToolError

    from parallax.server.mcp_stdio import StdioServer

    server = StdioServer("parallax", instructions=INSTRUCTIONS)
    read_only = {"readOnlyHint": True, "openWorldHint": False}

    def answer(call: Callable[[], Reply], convert: Callable[[Any], dict[str, Any]]
               ) -> dict[str, Any]:
        """The use case's plain result as the CLI's `--json` object, or a tool error."""
        try:
            return convert(call().value)
        except ParallaxError as error:
            raise ToolError(error.message + (f" ({error.hint})" if error.hint else "")) from None
        except Exception as error:  # noqa: BLE001 - a bug: one log line, not a traceback
            log.error("unexpected error in a tool", exc_info=error)
            raise ToolError(f"unexpected {type(error).__name__} ({BUG_HINT})") from None

    @server.tool(annotations=read_only)
    def search(question: Annotated[str, Field(min_length=1, max_length=bounds.question,
                                              description="A question in plain language.")],
               k: K = 5, mode: ModeF = Mode.hybrid, source: Source = None,
               since: Since = None, until: Until = None,
               author: Author = None) -> dict[str, Any]:
        """The passages that best answer a question, best first, each with its document
        (path, title, date, author), line span and passage id (`parallax ask --json`)."""
        return answer(lambda: service.ask(question, k, mode, Scope(source, since, until,
                                                                   author)),
                      render.ask_json)

    @server.tool(annotations=read_only)
    def related(passage_id: Annotated[str | None, Field(
                    max_length=bounds.passage_id, description="A passage id from search or "
                                                          "compare.")] = None,
                text: Annotated[str | None, Field(
                    max_length=bounds.question,
                    description="Instead of a passage id: a text.")] = None,
                k: K = 5,
                other_sources: Annotated[bool, Field(
                    description="Only passages of other documents.")] = False,
                mode: ModeF = Mode.hybrid, source: Source = None, since: Since = None,
                until: Until = None, author: Author = None) -> dict[str, Any]:
        """Passages closest in meaning to a passage or a text: where else the point is
        made or answered (`parallax related --json`)."""
        return answer(lambda: service.related(passage_id, text, k, mode,
                                              Scope(source, since, until, author),
                                              other_sources), render.related_json)

    @server.tool(annotations=read_only)
    def compare(topic: Annotated[str, Field(min_length=1, max_length=bounds.topic,
                                            description="A topic in a few words.")],
                by: Annotated[GroupBy, Field(description="Group sources by document, author "
                                                         "or year.")] = GroupBy.document,
                passages: Annotated[int, Field(ge=1, le=bounds.passages, description=
                                               "Best passages per source.")] = 2,
                mode: ModeF = Mode.hybrid,
                claims: Annotated[list[str] | None, Field(
                    max_length=bounds.claims, description="Claims to check: which sources "
                    "make each (as `compare --claim`).")] = None,
                source: Source = None, since: Since = None,
                until: Until = None, author: Author = None) -> dict[str, Any]:
        """How each source addresses a topic, in date order: addressed or silent with its
        best passages, the claims across sources, distinctive terms; with `claims`, which
        sources make each (`parallax compare --json`)."""
        return answer(lambda: service.compare(topic, by, passages, mode,
                                              Scope(source, since, until, author), claims),
                      render_compare.comparison_json)

    @server.tool(annotations=read_only)
    def show(passage_id: Annotated[str, Field(min_length=1, max_length=bounds.passage_id,
                                              description="A passage id.")],
             context: Annotated[int, Field(ge=0, le=bounds.context, description=
                                           "Neighbouring passages on each side.")] = 0,
             ) -> dict[str, Any]:
        """A passage by id with its document and neighbours (`parallax show --json`)."""
        return answer(lambda: service.show(passage_id, context), render.in_context_json)

    @server.tool(annotations=read_only)
    def sources() -> dict[str, Any]:
        """The indexed documents in date order with metadata and passage counts
        (`parallax sources --json`)."""
        return answer(service.sources, render.sources_json)

    return server


class OneLine(logging.Formatter):
    """A log record as one plain line, its exception named at the end; the traceback only
    with PARALLAX_DEBUG=1 (the SDK's default handler draws Rich boxes around tracebacks)."""

    def format(self, record: logging.LogRecord) -> str:
        if os.environ.get("PARALLAX_DEBUG"):
            return "parallax mcp: " + super().format(record)
        text = " ".join(record.getMessage().split())
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            text += f": {type(error).__name__}: {' '.join(str(error).split())[:300]}"
        return f"parallax mcp: {record.levelname.lower()}: {text}"


def log_plainly() -> None:
    """Warnings and errors, one plain line each, on stderr. Set before the SDK's server is
    made, whose own setup (logging.basicConfig) then leaves it alone."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLine())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)


def run(index_dir: Path) -> None:
    """Serve the index over stdio until the client closes the connection."""
    log_plainly()
    service = Service(index_dir)
    try:
        build(service).run("stdio")
    finally:
        service.close()
