"""What a line of JSON-RPC 2.0 that the MCP SDK cannot take deserves in reply.

The SDK's stdio transport parses each line into a message and drops the lines it cannot
parse (it logs them at debug level), so a client that sent one waits forever for its reply.
`refusal` names the JSON-RPC error of such a line, with the request's id when it can be
read, even from a truncated line: the client that numbered its request can then stop
waiting for it. Plain data only; the MCP server sends it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
MESSAGES = {PARSE_ERROR: "Parse error", INVALID_REQUEST: "Invalid Request",
            INVALID_PARAMS: "Invalid params"}

RequestId = str | int


@dataclass(frozen=True)
class Refusal:
    """The reply a line deserves: `reply` False for a notification (JSON-RPC answers none,
    malformed or not; the reason is only logged)."""

    code: int
    reason: str  # the error's `data`: what is wrong, in one sentence
    id: RequestId | None = None
    reply: bool = True

    def message(self) -> dict[str, Any]:
        """The JSON-RPC error response."""
        return {"jsonrpc": "2.0", "id": self.id,
                "error": {"code": self.code, "message": MESSAGES[self.code],
                          "data": self.reason}}


def refusal(line: bytes) -> Refusal | None:
    """The error `line` deserves, or None when it is a JSON-RPC 2.0 message in the shape the
    MCP SDK takes (what its methods and tools make of it is theirs to answer)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        return Refusal(PARSE_ERROR, f"the line is not UTF-8 (byte {line[error.start]:#04x} at "
                                    f"offset {error.start})",
                       _readable_id(line.decode("utf-8", "surrogateescape")))
    try:
        # The standard parser, unlike the SDK's, takes lone surrogates: such a request is
        # readable enough to be answered under its id.
        value = json.loads(text.rstrip("\r\n"))
    except ValueError as error:
        return Refusal(PARSE_ERROR, f"the line is not JSON: {error}", _readable_id(text))
    if not isinstance(value, dict):
        what = "a batch (an array)" if isinstance(value, list) else _kind(value)
        return Refusal(INVALID_REQUEST, f"the line is {what}, not one request object (MCP "
                                        "has no batches)")
    return _refusal(value)


def _refusal(message: dict[str, Any]) -> Refusal | None:
    rid = message.get("id")
    if "id" in message and not _is_id(rid) and not (rid is None and "error" in message):
        # The SDK would take such a request for a notification and never answer it.
        return Refusal(INVALID_REQUEST, "the id holds a lone UTF-16 surrogate, which is no text"
                       if isinstance(rid, str) else
                       f"the id must be a string or an integer, not {_kind(rid)}")
    rid = rid if _is_id(rid) else None
    if message.get("jsonrpc") != "2.0":
        return Refusal(INVALID_REQUEST, 'the message has no "jsonrpc": "2.0"', rid)
    method = message.get("method")
    if method is None and ("result" in message or "error" in message):
        return None  # a client's response: the SDK's to match with a request
    if not isinstance(method, str) or _has_lone_surrogate(method):
        return Refusal(INVALID_REQUEST, "the request has no method name", rid)
    # A request or a notification by JSON-RPC's rules: a notification is never answered.
    answer = "id" in message
    params = message.get("params")
    if params is not None and not isinstance(params, dict):
        return Refusal(INVALID_PARAMS, f"params must be an object (named parameters), not "
                                       f"{_kind(params)}", rid, reply=answer)
    if _has_lone_surrogate(message):
        return Refusal(INVALID_PARAMS, "a string in params holds a lone UTF-16 surrogate "
                                       "(such as \\ud800), which is no text", rid, reply=answer)
    return None


def _is_id(value: Any) -> bool:
    if isinstance(value, str):
        return not _has_lone_surrogate(value)  # an id is sent back: it must be text
    return isinstance(value, int) and not isinstance(value, bool)


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")  # type: ignore[call-overload]


def _readable_id(text: str) -> RequestId | None:
    """The top-level "id" of a JSON object cut short or otherwise broken, if the part
    before the damage holds it whole; None otherwise (JSON-RPC's id of a parse error)."""
    decoder = json.JSONDecoder()
    at = _skip_space(text, 0)
    if not text.startswith("{", at):
        return None
    at += 1
    while True:
        at = _skip_space(text, at)
        try:
            key, at = decoder.raw_decode(text, at)
            at = _skip_space(text, at)
            if not (isinstance(key, str) and text.startswith(":", at)):
                return None
            value, at = decoder.raw_decode(text, _skip_space(text, at + 1))
        except ValueError:
            return None
        if key == "id":
            return value if _is_id(value) else None
        at = _skip_space(text, at)
        if not text.startswith(",", at):
            return None
        at += 1


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at
