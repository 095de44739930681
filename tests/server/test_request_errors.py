"""Requests the API cannot take are answered like every other error: the JSON
`{"error", "hint"}` with a status, whether HTTP itself is broken (a request too long, not
HTTP at all) or the parameters are bytes that are no text."""

from __future__ import annotations

import json
import socket
import urllib.parse

import pytest

from tests.server.conftest import Response, Server


def raw_request(server: Server, request: bytes, piece: int = 0) -> Response:
    """Send `request` as it is (in pieces of `piece` bytes when given) and read the answer
    until the server closes or a whole response has come."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=120) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            for start in range(0, len(request), piece or len(request)):
                sock.sendall(request[start:start + (piece or len(request))])
        except OSError:
            pass  # the server may answer and close before reading everything
        data = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = [line.split(b":", 1)[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                if length and len(body) >= int(length[0]):
                    break
        except OSError:
            pass  # a reset after the answer
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 "), data[:200]
    headers = {k.strip().lower(): v.strip()
               for k, v in (line.split(":", 1) for line in lines[1:])}
    return Response(int(lines[0].split()[1]), headers, body)


def get_request(target: str, port: int) -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode("latin-1")


def assert_json_error(reply: Response, status: int, words: str) -> dict:
    assert reply.status == status, reply.body[:300]
    assert reply.headers["content-type"] == "application/json"
    body = json.loads(reply.body)
    assert set(body) == {"error", "hint"} and body["hint"], body
    assert words.lower() in body["error"].lower(), body
    return body


def test_a_megabyte_question_is_refused_as_json(server: Server) -> None:
    target = "/api/ask?" + urllib.parse.urlencode({"q": "x" * 1_000_000})
    reply = raw_request(server, get_request(target, server.port))
    body = assert_json_error(reply, 414, "too long")
    assert "1000" in body["hint"], "the hint names the bound a question has"


def test_a_long_question_arriving_in_pieces_is_told_its_bound(server: Server) -> None:
    # Well past the bound of q but within what the server reads: the answer names the
    # parameter and its bound, however the bytes arrive.
    target = "/api/ask?" + urllib.parse.urlencode({"q": "x" * 50_000})
    reply = raw_request(server, get_request(target, server.port), piece=1024)
    assert_json_error(reply, 422, "q: String should have at most 1000 characters")


def test_a_request_that_is_not_http_is_refused_as_json(server: Server) -> None:
    reply = raw_request(server, b"HELLO SERVER\r\n\r\n")
    assert_json_error(reply, 400, "not a valid HTTP/1.1 request")


@pytest.mark.parametrize(("target", "name"), [
    ("/api/ask?q=%ff", "q"),
    ("/api/ask?q=Taiwan&author=%c3%28", "author"),
    ("/api/ask?q=%ed%a0%80", "q"),  # an encoded surrogate is no UTF-8 either
    ("/api/passages/f00%ff", "the path"),
], ids=["q", "author", "surrogate", "path"])
def test_bytes_that_are_not_utf8_are_refused_not_guessed(server: Server, target: str,
                                                         name: str) -> None:
    reply = server.get(target)
    body = assert_json_error(reply, 400, "not UTF-8")
    assert name in body["error"]
