"""The options several commands share, declared once: the index, --json, the retrieval mode,
-k, and the document filters (their help and bounds from parallax.service, so the command
line, the API and the MCP tools describe and check them alike)."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from indexes import Mode
from parallax import service
from parallax.errors import UsageError
from parallax.locations import ENV_VAR

LIMITS = service.CLI_LIMITS
Kind = TypeVar("Kind", bound=Enum)


def choice(kind: type[Kind]) -> Callable[[object], Kind]:
    """A parser for an option that takes one of an enum's values, in any case. Typer's own
    conversion goes through pydantic, whose message for a wrong value reads "Value error,
    'x' is not one of …"; this one says "'x' is not one of …"."""
    names = [str(member.value) for member in kind]

    def parse(value: object) -> Kind:
        if isinstance(value, kind):
            return value
        for member in kind:
            if str(member.value) == str(value).lower():
                return member
        raise typer.BadParameter(f"{value!r} is not one of "
                                 + ", ".join(repr(n) for n in names) + ".")

    return parse


def choices(kind: type[Enum]) -> str:
    """The metavar of a `choice` option, as Typer writes an enum's: <a|b|c>."""
    return "<" + "|".join(str(member.value) for member in kind) + ">"


IndexOpt = Annotated[Path | None, typer.Option(
    "--index", envvar=ENV_VAR, show_envvar=True, file_okay=False,
    help="Index folder [default: under the user's data directory].")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
ModeOpt = Annotated[Mode, typer.Option(help="Retrieval: hybrid (default), dense or lexical.",
                                       parser=choice(Mode), metavar=choices(Mode))]
TopOpt = Annotated[int, typer.Option("-k", "--top", min=1, max=LIMITS.k,
                                     help="Number of passages.")]
SourceOpt = Annotated[str | None, typer.Option(
    "--source", help=service.FILTER_HELP["source"])]
SinceOpt = Annotated[str | None, typer.Option("--since", help=service.FILTER_HELP["since"])]
UntilOpt = Annotated[str | None, typer.Option("--until", help=service.FILTER_HELP["until"])]
AuthorOpt = Annotated[str | None, typer.Option(
    "--author", help=service.FILTER_HELP["author"])]


def scope(source: str | None, since: str | None, until: str | None,
          author: str | None) -> service.Scope:
    """The filters as the use cases take them, checked now: a bad date is a usage error
    before any index is opened."""
    chosen = service.Scope(source, since, until, author)
    _as_parameter(lambda: chosen.filters(LIMITS), "'--since' / '--until'")
    return chosen


def question(value: str) -> str:
    """Typer callback: the question as parallax.service checks it."""
    return _as_parameter(lambda: service.question(value, LIMITS.question))


def topic(value: str) -> str:
    """Typer callback: the topic as parallax.service checks it."""
    return _as_parameter(lambda: service.question(value, LIMITS.topic, what="topic"))


def _as_parameter(check: Callable[[], object], param_hint: str | None = None):  # type: ignore[no-untyped-def]
    """A usage error of the façade as click's usage error (the usage line, exit 2)."""
    try:
        return check()
    except UsageError as error:
        raise typer.BadParameter(error.message, param_hint=param_hint) from None
