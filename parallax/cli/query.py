"""`parallax ask`, `related`, `sources`, `show` and `inspect`: reading an index."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from indexes import Mode
from parallax import printable, render, service
from parallax.cli.application import app, out, user_errors
from parallax.cli.options import (
    LIMITS,
    AuthorOpt,
    IndexOpt,
    JsonOpt,
    ModeOpt,
    SinceOpt,
    SourceOpt,
    TopOpt,
    UntilOpt,
    scope,
)
from parallax.cli.options import question as checked_question
from parallax.cli.output import print_json, warn
from parallax.locations import resolve_index_dir


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in plain language.",
                                            callback=checked_question, metavar="QUESTION")],
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
        "--per-document", min=1, max=LIMITS.per_document,
        help="With --by-document: passages per document.")] = 3,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question with the closest passages and their documents.

    Example: parallax ask "What did China say about Taiwan?" -k 3 --by-document
    """
    from parallax.session import Session

    chosen = scope(source, since, until, author)
    with user_errors(), Session(resolve_index_dir(index_dir)) as session:
        answer = service.ask(session, question, k, mode, chosen, by_document, per_document)
    warn(answer.warnings)
    if as_json:
        print_json(render.ask_json(answer))
    else:
        out.print(render.ask_view(answer, marks=not out.is_terminal))


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
    from parallax.session import Session

    if (passage_id is None) == (text is None):
        raise typer.BadParameter("give a PASSAGE_ID or --text \"…\" (one of them)",
                                 param_hint="PASSAGE_ID / --text")
    if text is not None:
        text = checked_question(text)
    chosen = scope(source, since, until, author)
    with user_errors(), Session(resolve_index_dir(index_dir)) as session:
        found = service.related(session, passage_id, text, k, mode, chosen, other_sources)
    warn(found.warnings)
    if as_json:
        print_json(render.related_json(found))
    else:
        out.print(render.related_view(found, marks=not out.is_terminal))


@app.command()
def sources(index_dir: IndexOpt = None, as_json: JsonOpt = False) -> None:
    """List the indexed documents with their metadata and passage counts.

    Example: parallax sources --json
    """
    from parallax.session import open_reader

    with user_errors():
        listing = service.sources(open_reader(resolve_index_dir(index_dir)))
    if as_json:
        print_json(render.sources_json(listing))
        return
    # Names escaped: a tab or a line break in one would split its row.
    rows = [(printable.name(doc.date or ""), printable.name(doc.title or "(untitled)"),
             printable.name(doc.author or ""), str(doc.n_passages), printable.name(doc.path))
            for doc in listing.documents]
    if not out.is_terminal:  # one tab-separated line per document, for scripts
        sys.stdout.write("".join("\t".join(row) + "\n" for row in rows))
        return
    table = Table(title=f"{len(rows)} documents in {printable.name(str(listing.index_dir))}",
                  title_justify="left")
    for column in ("date", "title", "author", "passages", "path"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    out.print(table)


@app.command()
def show(
    passage_id: Annotated[str, typer.Argument(help="A passage id as printed by `ask`.",
                                              metavar="PASSAGE_ID")],
    context: Annotated[int, typer.Option("--context", "-C", min=0, max=LIMITS.context,
                                         help="Neighbouring passages to show on each side.")] = 0,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a passage, optionally with its neighbours.

    Example: parallax show f7e65fcd9762.8 --context 1
    """
    from parallax.session import open_reader

    with user_errors():
        shown = service.show(open_reader(resolve_index_dir(index_dir)), passage_id, context)
    if as_json:
        print_json(render.in_context_json(shown))
    else:
        out.print(render.in_context_view(shown))


@app.command()
def inspect(
    file: Annotated[Path, typer.Argument(help="A document to read as `index` would.")],
    as_json: JsonOpt = False,
    ocr_languages: Annotated[str, typer.Option(
        help="Tesseract languages for scanned PDF pages, as for `index`.")] = "eng",
) -> None:
    """Show what a file yields: title, date, passages with line spans (and pages, for a
    PDF), dropped lines.

    Example: parallax inspect ../shared/corpus/china-us/000_66e27f2df0de6ee7.txt
    """
    import corpus
    from parallax.cli.output import CliProgress
    from parallax.inspection import inspect_file

    with user_errors():
        report = inspect_file(file, ocr=corpus.OcrOptions(ocr_languages,
                                                          CliProgress().ocr_page))
    if as_json:
        print_json(render.inspection_json(report))
    else:
        out.print(render.inspection_view(report))
