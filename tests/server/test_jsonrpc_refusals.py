"""Which lines `parallax mcp` answers itself, and under which id (parallax.server.jsonrpc):
the id of a broken line is read only from the top level, never from inside params."""

from __future__ import annotations

import pytest

from parallax.server.jsonrpc import INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR, refusal


@pytest.mark.parametrize("line", [
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}',
    b'{"jsonrpc": "2.0", "id": "a", "method": "tools/call", "params": {"name": "show"}}\r\n',
    b'{"jsonrpc": "2.0", "method": "notifications/initialized"}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": null}',
    b'{"jsonrpc": "2.0", "id": 1, "result": {}}',
    b'{"jsonrpc": "2.0", "id": null, "error": {"code": 1, "message": "m"}}',
])
def test_messages_the_sdk_takes_are_left_to_it(line: bytes) -> None:
    assert refusal(line) is None


@pytest.mark.parametrize(("line", "code", "id"), [
    (b'{"params": {"id": 5}, "id": 3, "method": "tools/ca', PARSE_ERROR, 3),
    (b'{"params": {"id": 5}, "method": "tools/ca', PARSE_ERROR, None),
    (b'{"jsonrpc": "2.0", "id": 1.5, "method": "tools/list"}', INVALID_REQUEST, None),
    (b'{"jsonrpc": "2.0", "id": true, "method": "tools/list"}', INVALID_REQUEST, None),
    (b'{"jsonrpc": "2.0", "id": "\\udc00", "method": "tools/list"}', INVALID_REQUEST, None),
    (b'{"jsonrpc": "2.0", "id": 4, "method": 7}', INVALID_REQUEST, 4),
    (b'{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"\\ud800": 1}}',
     INVALID_PARAMS, 4),
    (b'{"foo": "boo"}', INVALID_REQUEST, None),
    (b"[]", INVALID_REQUEST, None),
])
def test_other_lines_are_answered(line: bytes, code: int, id: object) -> None:
    found = refusal(line)
    assert found is not None and found.reply
    assert (found.code, found.id) == (code, id)
    assert found.message()["error"]["data"] == found.reason


def test_a_notification_is_never_answered() -> None:
    found = refusal(b'{"jsonrpc": "2.0", "method": "notifications/x", "params": "p"}')
    assert found is not None and not found.reply
