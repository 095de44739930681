"""`parallax serve` (HTTP API and web page) and `parallax mcp` (MCP tools over stdio)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from parallax.cli.application import app, err, user_errors
from parallax.cli.options import IndexOpt
from parallax.cli.watch import start_watcher, stop_watcher
from parallax.locations import resolve_index_dir
from parallax.server.address import LOOPBACK, accepted_hosts, is_loopback, listen, url_host

__all__ = ["LOOPBACK", "is_loopback", "mcp", "serve"]


@app.command()
def serve(
    index_dir: IndexOpt = None,
    host: Annotated[str, typer.Option(
        help="Address to listen on. Anything but loopback exposes the index to the network.")
    ] = LOOPBACK,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    token: Annotated[str | None, typer.Option(
        envvar="PARALLAX_TOKEN", show_envvar=True,
        help="Require 'Authorization: Bearer TOKEN' on the API.")] = None,
    allow_host: Annotated[list[str] | None, typer.Option(
        "--allow-host", metavar="NAME",
        help="Also answer requests that name this host (a reverse proxy's name, an alias of "
             "the address); repeatable. Requests naming other hosts are refused on loopback, "
             "and off loopback once a name is given.")] = None,
    watch: Annotated[bool, typer.Option(
        "--watch", help="Also keep the index current as its folders change (as `parallax "
                        "watch` does, in this process).")] = False,
) -> None:
    """Serve the JSON API (docs at /docs) and the web page for searching and comparing.

    Example: parallax serve --port 8000, then open http://127.0.0.1:8000/
    """
    loopback = is_loopback(host)
    if not loopback:
        warning = ("the API has no authentication: anyone who can reach this address can "
                   "read the whole index; give --token to require a bearer token"
                   if not token else "a bearer token is required, but HTTP is not encrypted: "
                                     "the token and the answers cross the network in clear")
        err.print(Text("Warning: ", style="yellow") + Text(f"listening on {host}: {warning}."))
    with user_errors():
        index_dir = resolve_index_dir(index_dir)
        # Before anything slow: a port in use is one line and a hint, not a model load and
        # then a server's traceback.
        sock = listen(host, port, index_dir)
    try:
        from parallax.server import http
        from parallax.service import Service

        with user_errors():
            service = Service(index_dir)
            service.warm()
        watcher = start_watcher(service.index_dir) if watch else None
        err.print(Text(f"Serving {service.index_dir} at http://{url_host(host)}:{port}/ "
                       f"(API docs at /docs); Ctrl-C stops.", style="dim"))
        try:
            http.run(http.create_app(service, token, accepted_hosts(host, allow_host or ()),
                                     watcher),
                     sock)
        finally:
            if watcher is not None:
                stop_watcher(watcher)
            service.close()
    finally:
        sock.close()


@app.command()
def mcp(index_dir: IndexOpt = None) -> None:
    """Serve the index to an LLM agent: MCP tools search, related, compare, show and
    sources over stdio.

    Example: parallax mcp --index ~/parallax-index (in an MCP client's configuration)
    """
    from parallax.server.mcp import run

    with user_errors():
        run(resolve_index_dir(index_dir))
