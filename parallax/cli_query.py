"""`parallax ask`, `related`, `sources`, `show` and `inspect`: reading an index."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from indexes import Mode
from parallax import render
from parallax.app import (
    MAX_K,
    AuthorOpt,
    IndexOpt,
    JsonOpt,
    ModeOpt,
    SinceOpt,
    SourceOpt,
    TopOpt,
    UntilOpt,
    _filters,
    _print_json,
    _question,
    app,
    out,
    user_errors,
)
from parallax.locations import resolve_index_dir


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in plain language.",
                                            callback=_question, metavar="QUESTION")],
    k: TopOpt = 5,
    mode: ModeOpt = Mode.hybrid,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    author: AuthorOpt = None,
    by_document: Annotated[bool, typer.Option(
        "--by-document", help="Group results per document: the best -k documents, each "
                              "with its best passages.")] = False,
    per_document: Annotated[int, typer.Option(
        "--per-document", min=1, max=MAX_K, help="With --by-document: passages per document.")] = 3,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question with the closest passages and their documents.

    Example: parallax ask "What did China say about Taiwan?" -k 3 --by-document
    """
    from parallax.ask import ask as run_ask
    from parallax.ask import ask_by_document
    from parallax.session import Session

    filters = _filters(source, since, until, author)
    with user_errors(), Session(resolve_index_dir(index_dir)) as session:
        if by_document:
            grouped = ask_by_document(session, question, k, per_document, mode, filters)
        else:
            answer = run_ask(session, question, k, mode, filters)
    if by_document:
        if as_json:
            _print_json(render.grouped_answer_json(grouped))
        else:
            out.print(render.grouped_answer_view(grouped, marks=not out.is_terminal))
    elif as_json:
        _print_json(render.answer_json(answer))
    else:
        out.print(render.answer_view(answer, marks=not out.is_terminal))


# related, compare ------------------------------------------------------------------------------

@app.command()
def related(
    passage_id: Annotated[str | None, typer.Argument(
        help="A passage id as printed by `ask` or `compare`.", metavar="[PASSAGE_ID]")] = None,
    text: Annotated[str | None, typer.Option(
        "--text", help="Find passages related to this text instead of a passage.")] = None,
    k: TopOpt = 5,
    other_sources: Annotated[bool, typer.Option(
        "--other-sources", help="Only passages of other documents than the passage's.")] = False,
    mode: ModeOpt = Mode.hybrid,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    author: AuthorOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Passages closest in meaning to a passage (never itself or its neighbours), or to a text.

    Example: parallax related f7e65fcd9762.8 --other-sources
    """
    from parallax.related import related as run_related
    from parallax.session import Session

    if (passage_id is None) == (text is None):
        raise typer.BadParameter("give a PASSAGE_ID or --text \"…\" (one of them)",
                                 param_hint="PASSAGE_ID / --text")
    if text is not None:
        text = _question(text)
    filters = _filters(source, since, until, author)
    with user_errors(), Session(resolve_index_dir(index_dir)) as session:
        found = run_related(session, passage_id, text, k, mode, filters, other_sources)
    if as_json:
        _print_json(render.related_json(found))
    else:
        out.print(render.related_view(found, marks=not out.is_terminal))


# sources, show, inspect -------------------------------------------------------------------------

@app.command()
def sources(index_dir: IndexOpt = None, as_json: JsonOpt = False) -> None:
    """List the indexed documents with their metadata and passage counts.

    Example: parallax sources --json
    """
    from indexes import IndexReader
    from parallax.browse import chronological
    from parallax.session import open_reader

    with user_errors():
        reader: IndexReader = open_reader(resolve_index_dir(index_dir))
        docs = chronological(reader.documents())
    if as_json:
        _print_json({"index": str(reader.index_dir), "model": reader.manifest.model,
                     "documents": [render.source_json(d) for d in docs]})
        return
    rows = [(doc.date or "", doc.title or "(untitled)", doc.author or "", str(doc.n_passages),
             doc.path) for doc in docs]
    if not out.is_terminal:  # one tab-separated line per document, for scripts
        sys.stdout.write("".join("\t".join(row) + "\n" for row in rows))
        return
    table = Table(title=f"{len(docs)} documents in {reader.index_dir}", title_justify="left")
    for column in ("date", "title", "author", "passages", "path"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    out.print(table)


@app.command()
def show(
    passage_id: Annotated[str, typer.Argument(help="A passage id as printed by `ask`.",
                                              metavar="PASSAGE_ID")],
    context: Annotated[int, typer.Option("--context", "-C", min=0, max=1000,
                                         help="Neighbouring passages to show on each side.")] = 0,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a passage, optionally with its neighbours.

    Example: parallax show f7e65fcd9762.8 --context 1
    """
    from parallax.browse import show_passage
    from parallax.session import open_reader

    with user_errors():
        reader = open_reader(resolve_index_dir(index_dir))
        shown = show_passage(reader, passage_id, context)
    if as_json:
        _print_json(render.in_context_json(shown))
    else:
        out.print(render.in_context_view(shown))


@app.command()
def inspect(
    file: Annotated[Path, typer.Argument(help="A document to read as `index` would.")],
    as_json: JsonOpt = False,
) -> None:
    """Show what a file yields: title, date, passages with line spans, dropped lines.

    Example: parallax inspect ../shared/corpus/china-us/000_66e27f2df0de6ee7.txt
    """
    from parallax.inspection import inspect_file

    with user_errors():
        report = inspect_file(file)
    if as_json:
        _print_json(render.inspection_json(report))
    else:
        out.print(render.inspection_view(report))


