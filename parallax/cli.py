"""The `parallax` command line: the app of parallax.app with every command module registered.
Command modules import the app, never this module, so there is no import cycle; each command
reads options, calls a use case and converts its plain result to text or JSON."""

from __future__ import annotations

# Imported for their registration, in the order `parallax --help` lists the commands.
# isort: off
from parallax import cli_index  # noqa: F401
from parallax import cli_query  # noqa: F401
from parallax import cli_compare  # noqa: F401
from parallax import eval_cli  # noqa: F401
from parallax import cli_serve  # noqa: F401
# isort: on
from parallax.app import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    main()
