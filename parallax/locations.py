"""Where the index lives: --index, else $PARALLAX_INDEX, else the user's data directory."""

from __future__ import annotations

import os
from pathlib import Path

from parallax.errors import UsageError

ENV_VAR = "PARALLAX_INDEX"


def default_index_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("parallax", appauthor=False)) / "index"


def resolve_index_dir(option: Path | None) -> Path:
    try:
        if option is not None:
            return option.expanduser().resolve()
        env = os.environ.get(ENV_VAR)
        if env:
            return Path(env).expanduser().resolve()
    except RuntimeError as error:  # "~nouser", or a loop of links in the path
        given = option if option is not None else os.environ.get(ENV_VAR)
        raise UsageError(f"cannot use {given} as the index folder: {error}",
                         "Give --index an existing or creatable folder path.") from None
    return default_index_dir()
