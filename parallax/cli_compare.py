"""`parallax compare`: how each source addresses a topic."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from indexes import Mode
from parallax.app import (
    AuthorOpt,
    IndexOpt,
    JsonOpt,
    SinceOpt,
    SourceOpt,
    UntilOpt,
    _filters,
    _print_json,
    _topic,
    _write_report,
    app,
    out,
    user_errors,
)
from parallax.groups import GroupBy
from parallax.locations import resolve_index_dir


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
