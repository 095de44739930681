"""The MCP SDK's server over stdio, with the edges a client meets taken off: every request
gets a reply, and a tool's arguments out of bounds are one plain sentence.

The SDK's transport (mcp.server.stdio) reads stdin line by line, parses each line with its
own JSON-RPC model and hands what it cannot parse to the session, which drops it with a
debug log: a request cut short, not JSON, with params of the wrong type or a lone surrogate
gets no reply, and its client waits forever. Here stdin is read first: a line the SDK could
not take is answered with its JSON-RPC error (parallax.server.jsonrpc) on the SDK's own
output stream, and never reaches the SDK; every other line goes on unchanged."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from typing import Any, BinaryIO

import anyio
import mcp_types as types
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from parallax.server.jsonrpc import refusal

log = logging.getLogger("parallax.mcp")


class StdioServer(MCPServer):
    """MCPServer whose stdio answers every malformed request and whose tools word
    argument errors as the HTTP API does (`k: Input should be …`), without pydantic's
    multi-line text and its links."""

    async def run_stdio_async(self) -> None:
        # The SDK's own run_stdio_async, with checked lines for stdin. Its stdout stays the
        # SDK's (which points fd 1 at stderr while serving, so stray prints miss the wire).
        lines = CheckedLines(sys.stdin.buffer)
        async with stdio_server(stdin=lines) as (read_stream, write_stream):  # type: ignore[arg-type]
            lines.answer_on(write_stream)
            low = self._lowlevel_server  # what the SDK's run_stdio_async serves, too
            await low.run(read_stream, write_stream, low.create_initialization_options())

    async def call_tool(self, name: str, arguments: dict[str, Any],
                        context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as error:
            if not isinstance(error.__cause__, ValidationError):
                raise
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in error.__cause__.errors(include_url=False))
            raise ToolError(f"invalid arguments for {name}: {problems} (the tool's input "
                            "schema gives each parameter and its bounds)") from error.__cause__


class CheckedLines:
    """stdin as the lines the SDK's transport reads (`async for line in …`), minus the
    lines it would drop unanswered: those are answered here, once the transport's output
    stream is known."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._output: Any = None
        self._ready = anyio.Event()

    def answer_on(self, output: Any) -> None:
        self._output = output
        self._ready.set()

    async def __aiter__(self) -> AsyncIterator[str]:
        while True:
            # A blocked read cannot be interrupted: on cancel, the thread is left to end
            # with the process, as the SDK's own reader is.
            line = await anyio.to_thread.run_sync(self._stream.readline,
                                                  abandon_on_cancel=True)
            if not line:
                return
            if not line.strip():
                continue
            problem = refusal(line)
            if problem is None:
                yield line.decode("utf-8")
            elif problem.reply:
                await self._ready.wait()
                error = types.JSONRPCError.model_validate(problem.message())
                await self._output.send(SessionMessage(error))
            else:
                log.warning("ignored a malformed notification: %s", problem.reason)
