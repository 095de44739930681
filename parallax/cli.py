"""The `parallax` command line. It reads options, calls the use cases and converts their
plain results to text or JSON; nothing else."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from corpus.errors import MetadataError, UnreadableDocument
from embed import ModelNotAvailable
from indexes import Filters, IndexError_, Mode
from parallax import render
from parallax.errors import ParallaxError, ReportNotWritten
from parallax.groups import GroupBy
from parallax.locations import ENV_VAR, resolve_index_dir

app = typer.Typer(
    help="Semantic search over a folder of documents, and what each source says.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# Errors and warnings stay one line each, whatever the width: they get grepped and logged.
err = Console(stderr=True, highlight=False, soft_wrap=True)


class _Stdout:
    """stdout as a Rich console, made when printing so that it sees the stream in use; piped
    output is not wrapped, so that each line can be grepped."""

    def print(self, renderable: Any) -> None:
        Console(highlight=False, soft_wrap=not sys.stdout.isatty()).print(renderable)

    @property
    def is_terminal(self) -> bool:
        return sys.stdout.isatty()


out = _Stdout()

IndexOpt = Annotated[Path | None, typer.Option(
    "--index", envvar=ENV_VAR, show_envvar=True, file_okay=False,
    help="Index folder [default: under the user's data directory].")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
SourceOpt = Annotated[str | None, typer.Option(
    "--source", help="Only documents whose file name or path matches this glob.")]
SinceOpt = Annotated[str | None, typer.Option(
    "--since", help="Only documents dated on or after this ISO date (2017, 2020-08, …).")]
UntilOpt = Annotated[str | None, typer.Option(
    "--until", help="Only documents dated on or before this ISO date.")]
ModeOpt = Annotated[Mode, typer.Option(help="Retrieval: hybrid (default), dense or lexical.",
                                       case_sensitive=False)]
AuthorOpt = Annotated[str | None, typer.Option(
    "--author", help="Only documents whose author contains this (case-insensitive).")]


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn problems a user can fix into `Error: …` on stderr and exit code 1."""
    try:
        yield
    except ParallaxError as error:
        _fail(error.message, error.hint)
    except (IndexError_, ModelNotAvailable, UnreadableDocument, MetadataError) as error:
        _fail(str(error), _hint_for(error))
    except KeyboardInterrupt:
        _fail("interrupted; the previous index (if any) is unchanged")


def _hint_for(error: Exception) -> str | None:
    from indexes import IndexBusy, IndexCorrupt, IndexOutdated

    if isinstance(error, (IndexCorrupt, IndexOutdated)):
        return "Rebuild it with: parallax index --rebuild FOLDER"
    if isinstance(error, IndexBusy):
        return "Wait for the other `parallax index` to finish, then run this again."
    return None


def _fail(message: str, hint: str | None = None) -> None:
    err.print(Text("Error: ", style="bold red") + Text(message))
    if hint:
        err.print(Text(hint, style="dim"))
    raise typer.Exit(1)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _filters(source: str | None, since: str | None, until: str | None,
             author: str | None) -> Filters:
    try:
        return Filters(source=source, since=since, until=until, author=author)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="'--since' / '--until'") from None


# index ---------------------------------------------------------------------------------------

class _CliProgress:
    """Wires the indexing hooks to a progress bar and warnings on stderr."""

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task: Any = None

    def warning(self, message: str) -> None:
        err.print(Text("Warning: ", style="yellow") + Text(message))

    def loading_model(self, name: str) -> None:
        err.print(Text(f"Loading model {name} …", style="dim"))

    def started(self, stage: str, total: int, unit: str) -> None:
        if not total:
            return
        self._bar = Progress(TextColumn(f"{stage:<9}"), BarColumn(), MofNCompleteColumn(),
                             TextColumn(unit), TimeElapsedColumn(), console=err)
        self._bar.start()
        self._task = self._bar.add_task(stage, total=total)

    def advanced(self, count: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, count)

    def finished(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@app.command()
def index(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Folders or files to index [default: every folder already in the index].",
        metavar="[PATH]...")] = None,
    index_dir: IndexOpt = None,
    model: Annotated[str | None, typer.Option(
        help="sentence-transformers model name or local path [default: all-MiniLM-L6-v2, "
             "bundled]")] = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Re-embed everything instead of updating.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Build or update an index: only new or changed files are embedded.

    Example: parallax index ../shared/corpus/china-us   (later, `parallax index` refreshes it)
    """
    from parallax.indexing import build_index, indexed_folders

    target = resolve_index_dir(index_dir)
    with user_errors():
        folders = paths or indexed_folders(target)
        report = build_index(folders, target, model, rebuild=rebuild,
                             progress=_CliProgress())  # type: ignore[arg-type]
    for skipped in report.skipped:
        err.print(Text("Skipped ", style="yellow") + Text(f"{skipped.path}: {skipped.reason}"))
    if as_json:
        _print_json(render.index_report_json(report))
    else:
        out.print(render.index_report_view(report))


# ask -----------------------------------------------------------------------------------------

def _question(value: str) -> str:
    if not value.strip():
        raise typer.BadParameter("the question is empty")
    if not re.search(r"\w", value):
        raise typer.BadParameter("the question has no words, only punctuation")
    return value.strip()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in plain language.",
                                            callback=_question, metavar="QUESTION")],
    k: Annotated[int, typer.Option("-k", "--top", min=1, help="Number of passages.")] = 5,
    mode: ModeOpt = Mode.hybrid,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    author: AuthorOpt = None,
    by_document: Annotated[bool, typer.Option(
        "--by-document", help="Group results per document: the best -k documents, each "
                              "with its best passages.")] = False,
    per_document: Annotated[int, typer.Option(
        "--per-document", min=1, help="With --by-document: passages per document.")] = 3,
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
    k: Annotated[int, typer.Option("-k", "--top", min=1, help="Number of passages.")] = 5,
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


def _topic(value: str) -> str:
    if not value.strip() or not re.search(r"\w", value):
        raise typer.BadParameter("the topic has no words; give one, e.g. \"the Taiwan question\"")
    return value.strip()


@app.command()
def compare(
    topic: Annotated[str, typer.Argument(help="A topic in a few words.", callback=_topic,
                                         metavar="TOPIC")],
    by: Annotated[GroupBy, typer.Option(
        "--by", case_sensitive=False, help="Group sources by document, author or year.")
    ] = GroupBy.document,
    passages: Annotated[int, typer.Option(
        "--passages", "-n", min=1, help="Best passages shown per source.")] = 2,
    mode: Annotated[Mode, typer.Option(
        help="Relevance from hybrid (default), dense or lexical evidence; lexical loads no "
             "model.", case_sensitive=False)] = Mode.hybrid,
    md: Annotated[Path | None, typer.Option(
        "--md", dir_okay=False, help="Also write a Markdown report to this file.")] = None,
    source: SourceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    author: AuthorOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """How each source addresses a topic, in date order: its best passages or silence,
    the claims made, and each source's distinctive terms.

    Example: parallax compare "the Taiwan question" --md taiwan.md
    """
    from parallax import render_compare
    from parallax.compare import compare as run_compare
    from parallax.session import Session

    filters = _filters(source, since, until, author)
    with user_errors(), Session(resolve_index_dir(index_dir)) as session:
        result = run_compare(session, topic, mode, by, passages, filters)
        if md is not None:
            _write_report(md, render_compare.comparison_markdown(result))
    if as_json:
        _print_json(render_compare.comparison_json(result))
    else:
        out.print(render_compare.comparison_view(result, marks=not out.is_terminal))


def _write_report(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ReportNotWritten(f"cannot write the report to {path}: {error.strerror or error}",
                               "Give --md a file in a folder you can write to.") from None
    err.print(Text(f"Wrote {path}", style="dim"))


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


# Commands defined in their own modules register themselves on `app` when imported.
from parallax import eval_cli  # noqa: E402,F401


def main() -> None:
    app()


if __name__ == "__main__":
    main()
