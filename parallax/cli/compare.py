"""`parallax compare`: how each source addresses a topic."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from indexes import Mode
from parallax import service
from parallax.cli.application import app, out, user_errors
from parallax.cli.options import (
    AuthorOpt,
    IndexOpt,
    JsonOpt,
    SinceOpt,
    SourceOpt,
    UntilOpt,
    choice,
    choices,
    scope,
)
from parallax.cli.options import topic as checked_topic
from parallax.cli.output import print_json, write_report
from parallax.locations import resolve_index_dir
from parallax.stance.groups import GroupBy


@app.command()
def compare(
    topic: Annotated[str, typer.Argument(help="A topic in a few words.", callback=checked_topic,
                                         metavar="TOPIC")],
    by: Annotated[GroupBy, typer.Option(
        "--by", parser=choice(GroupBy), metavar=choices(GroupBy),
        help="Group sources by document, author or year.")] = GroupBy.document,
    passages: Annotated[int, typer.Option(
        "--passages", "-n", min=1, help="Best passages shown per source.")] = 2,
    mode: Annotated[Mode, typer.Option(
        help="Relevance from hybrid (default), dense or lexical evidence; lexical loads no "
             "model.", parser=choice(Mode), metavar=choices(Mode))] = Mode.hybrid,
    md: Annotated[Path | None, typer.Option(
        "--md", dir_okay=False, help="Also write a Markdown report to this file.")] = None,
    claims_file: Annotated[Path | None, typer.Option(
        "--claims", dir_okay=False,
        help="A file of claims, one per line: say which sources make each.")] = None,
    claim: Annotated[list[str] | None, typer.Option(
        "--claim", help="A claim to check (repeatable; with or instead of --claims).")]
        = None,
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
    from parallax.session import Session
    from parallax.stance import render as render_compare

    chosen = scope(source, since, until, author)
    with user_errors():
        wanted = _claims(claims_file, claim)
    with user_errors(), Session(resolve_index_dir(index_dir)) as session:
        result = service.compare(session, topic, by, passages, mode, chosen, wanted)
        if md is not None:
            write_report(md, render_compare.comparison_markdown(result))
    if as_json:
        print_json(render_compare.comparison_json(result))
    else:
        out.print(render_compare.comparison_view(result, marks=not out.is_terminal))


def _claims(path: Path | None, given: list[str] | None) -> list[str] | None:
    """The claims of --claims FILE (one per line; blank lines and lines starting with # are
    skipped) and --claim; None when neither option is given."""
    from parallax.errors import UsageError

    if path is None and not given:
        return None
    claims = list(given or [])
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or error
            raise UsageError(f"cannot read the claims file {path}: {reason}",
                             "Give --claims a UTF-8 text file with one claim per line.") from None
        lines = [line.strip() for line in text.splitlines()]
        from_file = [line for line in lines if line and not line.startswith("#")]
        if not from_file:
            raise UsageError(f"the claims file {path} holds no claim",
                             "Write one claim per line, e.g. \"Trade between the two "
                             "countries is mutually beneficial\".")
        claims += from_file
    return claims
