"""The address `parallax serve` listens on: whether it is loopback, the socket bound before
anything slow is loaded (so that a port in use is one line and a hint, not a model load
followed by a server's traceback), and the host names a request may give.

No web library is imported here: the command line binds first and imports FastAPI after."""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Iterable
from pathlib import Path

from indexes.storage.recovery import index_command
from parallax.errors import Kind, ParallaxError

LOOPBACK = "127.0.0.1"
# The names a browser gives for this machine: on loopback, only these (and the address the
# server listens on, and names given with --allow-host) are answered, so that a web page
# whose own name an attacker rebinds to 127.0.0.1 cannot read the index.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
NEARBY_PORTS = 20  # how far past a port in use to look for a free one to suggest


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(name: str) -> str:
    """A host as a Host header or an option gives it, in one spelling: without port or
    brackets, lower case, an IP address in its short form (`0:0::1` and `[::1]` are `::1`)."""
    name = name.strip().lower()
    if name.startswith("["):
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:  # a name or IPv4 address with a port
        name = name.rsplit(":", 1)[0]
    name = name.rstrip(".")
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def accepted_hosts(host: str, allowed: Iterable[str] = ()) -> frozenset[str] | None:
    """The names a request may give in its Host header for a server listening on `host`;
    None when any name is answered (off loopback without --allow-host: the token guards)."""
    given = {host_name(name) for name in allowed}
    if is_loopback(host):
        return frozenset(LOOPBACK_NAMES | {host_name(host)} | given)
    return frozenset({host_name(host)} | given) if given else None


def url_host(host: str) -> str:
    """`host` as it appears in a URL (an IPv6 address in brackets)."""
    bare = host.strip("[]")
    return f"[{bare}]" if ":" in bare else bare


def listen(host: str, port: int, index_dir: Path) -> socket.socket:
    """A socket bound to `host`:`port`, not yet listening (the server listens once it is
    ready, so a client is refused rather than kept waiting while the model loads). A port
    in use, an address of another machine or a privileged port is a ParallaxError whose
    hint is the command to run instead."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise ParallaxError(
            f"cannot listen on {host}: no such address ({_reason(error)})",
            "Give --host an address of this machine, such as 127.0.0.1 (the default).",
            Kind.usage) from None
    sock = socket.socket(family, kind, proto)
    try:
        # As uvicorn does: a port whose last connections linger in TIME_WAIT is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise _refused(host, port, index_dir, error) from None
    return sock


def _refused(host: str, port: int, index_dir: Path, error: OSError) -> ParallaxError:
    if error.errno == errno.EADDRINUSE:
        free = _free_port_near(host, port)
        again = ("Choose another port: "
                 + index_command(index_dir, "serve", *_host_option(host), "--port", str(free))
                 if free else "Choose another port with --port")
        return ParallaxError(f"port {port} on {host} is in use by another program",
                             f"{again} (`lsof -i :{port}` names what holds {port}).",
                             Kind.conflict)
    if error.errno == errno.EADDRNOTAVAIL:
        return ParallaxError(f"cannot listen on {host}: it is not an address of this machine",
                             "Give --host an address of this machine, such as 127.0.0.1 (the "
                             "default), or 0.0.0.0 for every interface.", Kind.usage)
    if error.errno == errno.EACCES:
        return ParallaxError(f"cannot listen on port {port}: the system refused ({_reason(error)})",
                             "Ports below 1024 need privileges: choose --port 8000 or above.",
                             Kind.io)
    return ParallaxError(f"cannot listen on {host}:{port}: {_reason(error)}",
                         "Choose another --host or --port.", Kind.io)


def _free_port_near(host: str, port: int) -> int | None:
    for candidate in range(port + 1, min(port + NEARBY_PORTS, 65535) + 1):
        try:
            listen(host, candidate, Path()).close()
        except ParallaxError:
            continue
        return candidate
    return None


def _host_option(host: str) -> list[str]:
    return [] if host == LOOPBACK else ["--host", host]


def _reason(error: OSError | UnicodeError) -> str:
    return (error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            ) or type(error).__name__
