"""GET /api/status: the generation answers come from, when it was published, and whether a
watcher (`serve --watch`, or a `parallax watch` beside the server) is running a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse


def add_status(app: FastAPI, index_dir: Path, watcher: Any = None) -> None:
    @app.get("/api/status", summary="The index's generation and its watcher")
    def status() -> JSONResponse:
        """The generation in use and when it was published; `watching`, `running` (a run
        of the watcher in progress) and the watcher's folders, mode and last run."""
        from parallax.watching.status import index_status

        return JSONResponse(index_status(index_dir, watcher).as_dict(),
                            headers={"Cache-Control": "no-store"})
