"""The `parallax` command line (Typer): `application` holds the app, the consoles and the
error handling; `options` the options commands share; `output` JSON, progress and reports;
one module per group of commands registers on the app. Commands parse, call parallax.service
(or parallax.indexing, parallax.evaluation) and print; no use case lives here."""

from __future__ import annotations

# Imported for their registration, in the order `parallax --help` lists the commands.
# isort: off
from parallax.cli import index as _index_commands  # noqa: F401
from parallax.cli import query as _query_commands  # noqa: F401
from parallax.cli import compare as _compare_commands  # noqa: F401
from parallax.cli import evaluate as _evaluate_commands  # noqa: F401
from parallax.cli import serve as _serve_commands  # noqa: F401
from parallax.cli import watch as _watch_commands  # noqa: F401
# isort: on
from parallax.cli.application import app, main

__all__ = ["app", "main"]

