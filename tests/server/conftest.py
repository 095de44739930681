"""A real `parallax serve` in a subprocess on a free loopback port, and small HTTP helpers
(urllib: no client library between the tests and the server)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.server.browser import browser, shots  # noqa: F401  (fixtures of the browser tests)

STARTUP_SECONDS = 120  # model load on a busy 2-core machine; a bound, not a measurement


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def get(url: str, headers: dict[str, str] | None = None, method: str = "GET",
        timeout: float = 120) -> Response:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return Response(reply.status, _lower(reply.headers), reply.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, _lower(error.headers), error.read())


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


class Server:
    """`parallax serve` running until stopped; `url` is its base address."""

    def __init__(self, index: Path, *extra: str, log: Path, host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "parallax", "serve", "--index", str(index), "--host", host,
             "--port", str(self.port), *extra], stdout=self._out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"parallax serve exited: {self.log.read_text()}")
            try:
                get(self.url + "/docs", timeout=5)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"parallax serve did not answer: {self.log.read_text()}")

    def get(self, path: str, **kwargs: Any) -> Response:
        return get(self.url + path, **kwargs)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self._out.close()


@pytest.fixture(scope="session")
def server(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The sample corpus served on loopback, shared by the read-only tests."""
    running = Server(sample_index, log=tmp_path_factory.mktemp("serve") / "serve.log")
    yield running
    running.stop()


def run_cli(*args: str) -> Any:
    """`parallax ARGS --json` in a subprocess, parsed."""
    done = subprocess.run([sys.executable, "-m", "parallax", *args, "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
