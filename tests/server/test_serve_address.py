"""Where `parallax serve` listens: it answers requests naming the address it was started on
(and the names given with --allow-host), refuses other names on loopback, and a port it
cannot have is reported before anything is loaded, with the exit code of its kind."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from parallax.errors import EXIT_CODES, Kind
from tests.server.conftest import Server

OTHER_LOOPBACK = "127.0.0.2"  # loopback too (127.0.0.0/8), but not the usual 127.0.0.1
ALIAS = "parallax.test"


def _can_listen_on(host: str) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, 0))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def other_loopback(sample_index: Path, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[Server]:
    if not _can_listen_on(OTHER_LOOPBACK):
        pytest.skip(f"this machine does not route {OTHER_LOOPBACK} to loopback")
    running = Server(sample_index, "--allow-host", ALIAS, host=OTHER_LOOPBACK,
                     log=tmp_path_factory.mktemp("serve-other") / "serve.log")
    yield running
    running.stop()


def test_the_address_it_was_started_on_is_answered(other_loopback: Server) -> None:
    reply = other_loopback.get("/api/sources")
    assert reply.status == 200, reply.body
    assert len(reply.json()["documents"]) == 5


def test_a_name_given_with_allow_host_is_answered(other_loopback: Server) -> None:
    reply = other_loopback.get("/api/sources", headers={"Host": f"{ALIAS}:{other_loopback.port}"})
    assert reply.status == 200, reply.body
    upper = other_loopback.get("/api/sources", headers={"Host": ALIAS.upper()})
    assert upper.status == 200, "host names are case-insensitive"


def test_other_names_are_still_refused(other_loopback: Server) -> None:
    reply = other_loopback.get("/api/sources", headers={"Host": "attacker.example"})
    assert reply.status == 400
    assert "attacker.example" in reply.json()["error"]
    assert "--allow-host" in reply.json()["hint"]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port some other program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_port_in_use_is_reported_before_anything_is_loaded(taken_port: int,
                                                             tmp_path: Path) -> None:
    # The index folder does not exist: were the index opened (or the model loaded) first,
    # the error would be "no index" (exit 3), not the port.
    done = subprocess.run([sys.executable, "-m", "parallax", "serve", "--index",
                           str(tmp_path / "no-index-here"), "--port", str(taken_port)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_CODES[Kind.conflict], done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0] == f"Error: port {taken_port} on 127.0.0.1 is in use by another program"
    assert "--port" in lines[1] and str(tmp_path / "no-index-here") in lines[1], "a command to run"
    assert len(lines) == 2
    assert "Serving" not in done.stderr and "Errno" not in done.stderr


def test_an_address_not_on_this_machine_is_a_usage_error(sample_index: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here; nothing leaves the machine.
    done = subprocess.run([sys.executable, "-m", "parallax", "serve", "--index",
                           str(sample_index), "--host", "192.0.2.1", "--port", "8999"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_CODES[Kind.usage], done.stderr
    assert "Error: cannot listen on 192.0.2.1: it is not an address of this machine" \
        in done.stderr
    assert "Serving" not in done.stderr and "Errno" not in done.stderr
