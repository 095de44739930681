"""Every error kind reaches an HTTP client with its status (parallax.errors.HTTP_STATUS), and a
damaged generation published under a running server is never served: the sound one answers,
and the X-Parallax-Stale header says why the newer one was not used."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from parallax.errors import HTTP_STATUS, Kind, ParallaxError
from tests.conftest import SAMPLE
from tests.server.conftest import Server, free_port, get

STARTUP_SECONDS = 60


class FailingService:
    """A service whose every answer is one error, to see each kind cross the HTTP layer."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.index_dir = Path("/nonexistent-index")  # what /api/status would report

    def sources(self) -> object:
        raise ParallaxError(f"a {self.kind.value} problem", "the next step", self.kind)

    def ask(self, *args: object) -> object:
        raise RuntimeError("a bug, with a secret /etc/passwd path in its message")


@pytest.fixture(scope="module")
def serve_app() -> Iterator[object]:
    """Runs an app under uvicorn in a thread on a free loopback port: call it with an app,
    get its base URL; every server is stopped at the end."""
    import uvicorn

    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: object) -> str:
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="critical"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(30)


@pytest.mark.parametrize("kind", list(Kind))
def test_each_kind_has_its_status(serve_app: object, kind: Kind) -> None:
    from parallax.server.http import create_app

    url = serve_app(create_app(FailingService(kind)))  # type: ignore[operator, arg-type]
    reply = get(url + "/api/sources")
    assert reply.status == HTTP_STATUS[kind]
    assert reply.json() == {"error": f"a {kind.value} problem", "hint": "the next step"}


def test_a_bug_is_a_500_without_details(serve_app: object) -> None:
    from parallax.server.http import create_app

    url = serve_app(create_app(FailingService(Kind.usage)))  # type: ignore[operator, arg-type]
    reply = get(url + "/api/ask?q=Taiwan")
    assert reply.status == 500
    assert reply.json()["error"] == "unexpected RuntimeError"
    assert "passwd" not in reply.body.decode() and "Traceback" not in reply.body.decode()


def test_a_damaged_new_generation_is_never_served(tmp_path: Path,
                                                 real_encoder) -> None:  # noqa: ANN001
    from indexes.storage import layout
    from parallax.indexing import build_index

    folder, index = tmp_path / "corpus", tmp_path / "index"
    folder.mkdir()
    names = sorted(p.name for p in SAMPLE.glob("*.txt"))
    shutil.copy(SAMPLE / names[0], folder / names[0])

    def index_now() -> None:  # the real model, loaded once for the session
        build_index([folder], index, encoder_loader=lambda name: real_encoder)

    index_now()
    server = Server(index, log=tmp_path / "serve.log")
    try:
        sound = server.get("/api/sources").headers["x-parallax-generation"]
        shutil.copy(SAMPLE / names[1], folder / names[1])
        index_now()  # a new generation, not yet opened by the server
        database = next(layout.current_generation(index).glob("seg-*/index.sqlite"))
        data = bytearray(database.read_bytes())
        middle = len(data) // 2
        data[middle:middle + 64] = bytes(b ^ 0xFF for b in data[middle:middle + 64])
        database.write_bytes(bytes(data))
        reply = server.get("/api/sources")
        assert reply.status == 200, reply.body
        assert reply.headers["x-parallax-generation"] == sound, "the sound generation answers"
        assert len(reply.json()["documents"]) == 1
        assert "damaged" in reply.headers["x-parallax-stale"]
    finally:
        server.stop()
