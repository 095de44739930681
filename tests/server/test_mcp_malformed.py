"""`parallax mcp` answers every request it cannot take with a JSON-RPC error, so that a
client never waits for a reply that will not come: -32700 for a line that is not JSON (with
the request's id when it can still be read), -32600 for JSON that is no request, -32601 for an
unknown method, -32602 for parameters of the wrong shape or strings that are no text. Tool
errors read as one plain sentence, and the server's log (stderr) has no Rich boxes, no
tracebacks and no pydantic links.

Spoken over the process's real stdin and stdout, line by line, as a client would: the SDK's
own client cannot send a malformed line."""

from __future__ import annotations

import json
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPLY_SECONDS = 120  # a bound for a busy machine: a missing reply fails, never a slow one

PARSE, INVALID_REQUEST, UNKNOWN_METHOD, INVALID_PARAMS = -32700, -32600, -32601, -32602


class Client:
    """One `parallax mcp` process, spoken to in raw lines."""

    def __init__(self, index: Path, log: Path) -> None:
        self.log = log
        self._err = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "parallax", "mcp", "--index", str(index)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err)

    def send(self, line: bytes | str | dict[str, Any]) -> None:
        if isinstance(line, dict):
            line = json.dumps(line)
        data = line.encode("utf-8") if isinstance(line, str) else line
        assert self.process.stdin is not None
        self.process.stdin.write(data + b"\n")
        self.process.stdin.flush()

    def reply(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], REPLY_SECONDS)
        assert ready, f"no reply within {REPLY_SECONDS} s"
        line = self.process.stdout.readline()
        assert line, f"the server closed its output: {self.log.read_text()}"
        return json.loads(line)

    def ask(self, line: bytes | str | dict[str, Any]) -> dict[str, Any]:
        self.send(line)
        return self.reply()

    def close(self) -> str:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._err.close()
        return self.log.read_text(encoding="utf-8", errors="replace")


def request(id: int, method: str, params: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    return message


@pytest.fixture(scope="module")
def client(sample_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    running = Client(sample_index, tmp_path_factory.mktemp("mcp") / "stderr.log")
    hello = running.ask(request(0, "initialize", {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "0"}}))
    assert "result" in hello, hello
    running.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    yield running
    running.close()


def error_of(reply: dict[str, Any]) -> tuple[Any, int]:
    assert set(reply) == {"jsonrpc", "id", "error"}, reply
    assert reply["error"]["message"], reply
    return reply["id"], reply["error"]["code"]


@pytest.mark.parametrize(("line", "expected"), [
    ("hello there", (None, PARSE)),
    ('{"jsonrpc": "2.0", "id": 2, "method": "tools/li', (2, PARSE)),
    ('{"jsonrpc": "2.0", "id": "two", "method": "tools/call", "params": {"name": "sea',
     ("two", PARSE)),
    (b'{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "search", '
     b'"arguments": {"question": "Taiwan \xff"}}}', (3, PARSE)),
    ("[1, 2]", (None, INVALID_REQUEST)),
    ('"tools/list"', (None, INVALID_REQUEST)),
    ('{"id": 4, "method": "tools/list"}', (4, INVALID_REQUEST)),
    ('{"jsonrpc": "1.0", "id": 5, "method": "tools/list"}', (5, INVALID_REQUEST)),
    ('{"jsonrpc": "2.0", "id": 6}', (6, INVALID_REQUEST)),
    ('{"jsonrpc": "2.0", "id": [7], "method": "tools/list"}', (None, INVALID_REQUEST)),
    ('{"jsonrpc": "2.0", "id": 8, "method": "no/such/method"}', (8, UNKNOWN_METHOD)),
    ('{"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": [1, 2]}',
     (9, INVALID_PARAMS)),
    ('{"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": "search"}',
     (10, INVALID_PARAMS)),
    ('{"jsonrpc": "2.0", "id": 11, "method": "tools/call", '
     '"params": {"name": "search", "arguments": "Taiwan"}}', (11, INVALID_PARAMS)),
    ('{"jsonrpc": "2.0", "id": 12, "method": "tools/call", '
     '"params": {"name": "search", "arguments": {"question": "Taiwan \\ud800"}}}',
     (12, INVALID_PARAMS)),
], ids=["not-json", "truncated", "truncated-string-id", "not-utf8", "batch", "string",
        "no-jsonrpc", "jsonrpc-1.0", "no-method", "id-not-an-id", "unknown-method",
        "params-array", "params-string", "arguments-string", "lone-surrogate"])
def test_every_request_gets_an_error(client: Client, line: str | bytes,
                                     expected: tuple[Any, int]) -> None:
    assert error_of(client.ask(line)) == expected


def test_a_malformed_notification_gets_no_reply_and_changes_nothing(client: Client) -> None:
    # JSON-RPC never answers a notification, even a malformed one; the next request is
    # answered as usual (its reply is the next line).
    client.send('{"jsonrpc": "2.0", "method": "notifications/progress", "params": [1]}')
    client.send('{"jsonrpc": "2.0", "method": "notifications/cancelled", '
                '"params": {"requestId": "\\udfff"}}')
    reply = client.ask(request(20, "tools/list"))
    assert reply["id"] == 20 and "tools" in reply["result"], reply


def test_the_server_still_answers_after_every_error(client: Client) -> None:
    reply = client.ask(request(21, "tools/call", {"name": "sources", "arguments": {}}))
    assert reply["id"] == 21 and not reply["result"].get("isError"), reply
    assert len(reply["result"]["structuredContent"]["documents"]) == 5


def test_invalid_arguments_are_one_plain_sentence(client: Client) -> None:
    reply = client.ask(request(22, "tools/call",
                               {"name": "search", "arguments": {"question": "x", "k": 1000}}))
    assert reply["id"] == 22 and reply["result"]["isError"], reply
    text = reply["result"]["content"][0]["text"]
    assert "k: Input should be less than or equal to 100" in text
    assert "pydantic" not in text and "\n" not in text


def test_the_log_has_no_boxes_tracebacks_or_pydantic_links(sample_index: Path,
                                                            tmp_path: Path) -> None:
    one = Client(sample_index, tmp_path / "stderr.log")
    try:
        one.ask(request(0, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                          "clientInfo": {"name": "test", "version": "0"}}))
        one.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        one.ask("not json")
        one.ask(request(1, "tools/call", {"name": "search", "arguments": {"k": "many"}}))
        one.ask(request(2, "tools/call", {"name": "show", "arguments": {"passage_id": "f00.1"}}))
    finally:
        log = one.close()
    assert "Traceback" not in log and "pydantic.dev" not in log
    assert not set(log) & set("╭╮╰╯│─"), log
