"""The HTTP API and the web page of `parallax serve` (FastAPI). Every endpoint is a GET that
reads the index; every error, down to a request that is not HTTP, is `{"error", "hint"}`
with the status of the error's kind."""

from __future__ import annotations

import json
import secrets
import shlex
import socket
from collections.abc import Set
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

import h11
import uvicorn
from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from uvicorn.protocols.http.h11_impl import H11Protocol

from indexes import Mode
from parallax import render
from parallax.errors import ParallaxError, http_status
from parallax.server.address import LOOPBACK_NAMES, host_name, url_host
from parallax.server.status import add_status
from parallax.service import FILTER_HELP, SERVER_LIMITS, Reply, Scope, Service
from parallax.stance import render as render_compare
from parallax.stance.groups import GroupBy

bounds = SERVER_LIMITS

WEB = Path(__file__).resolve().parent / "web"
GENERATION_HEADER = "X-Parallax-Generation"
# Set when a newer generation exists but could not be used (damaged, other settings): the
# answer comes from the sound generation before it.
STALE_HEADER = "X-Parallax-Stale"
BUG_HINT = ("This is a bug in Parallax: the server's log has the details; please report it "
            "with them.")
# The most of a request's line and headers the server reads before refusing it. Every
# request within the parameters' bounds fits (20 claims of 500 characters, each
# percent-encoded as 12 bytes, are 120 KB), so that past a bound the answer names the
# parameter; h11's own default (16 KiB) would turn a long question into "Invalid HTTP".
MAX_REQUEST_HEAD = 256 * 1024
UTF8_HINT = ("Percent-encode the UTF-8 bytes of each character, as browsers, "
             "curl --data-urlencode and urllib.parse.quote do.")

Question = Annotated[str, Query(min_length=1, max_length=bounds.question,
                                description="A question in plain language.")]
K = Annotated[int, Query(ge=1, le=bounds.k, description="Number of passages.")]
ModeQ = Annotated[Mode, Query(description="Retrieval: hybrid, dense or lexical.")]
PassageId = Annotated[str, PathParam(min_length=1, max_length=bounds.passage_id,
                                     description="A passage id as ask and compare give it.")]
Context = Annotated[int, Query(ge=0, le=bounds.context,
                               description="Neighbouring passages on each side.")]


def _filter(description: str) -> Any:
    return Query(max_length=bounds.filter, description=description)


def scope(
    source: Annotated[str | None, _filter(FILTER_HELP["source"])] = None,
    since: Annotated[str | None, _filter(FILTER_HELP["since"])] = None,
    until: Annotated[str | None, _filter(FILTER_HELP["until"])] = None,
    author: Annotated[str | None, _filter(FILTER_HELP["author"])] = None,
) -> Scope:
    """The filters of ask, related and compare (`--source`, `--since`, `--until`, `--author`)."""
    return Scope(source, since, until, author)


ScopeQ = Annotated[Scope, Depends(scope)]


def create_app(service: Service, token: str | None = None,
               hosts: Set[str] | None = LOOPBACK_NAMES, watcher: Any = None) -> FastAPI:
    """The API over `service`. With `token`, /api/ requires `Authorization: Bearer TOKEN`;
    with `hosts` (see parallax.server.address.accepted_hosts), requests must name one of
    them (no DNS rebinding from a web page)."""
    app = FastAPI(title="Parallax", version="1",
                  description="Semantic search over an index of documents, and how sources "
                              "compare on a topic. Read-only; every answer is the object the "
                              "CLI's `--json` prints.",
                  # Swagger UI would load its scripts from a CDN: the server is often offline.
                  docs_url=None, redoc_url=None)
    _require_text(app)
    if hosts is not None:
        _require_host(app, hosts)
    _add_error_handlers(app)
    if token:
        _require_token(app, token)
    _add_api(app, service)
    add_status(app, service.index_dir, watcher)  # `watcher`: serve --watch's, or None
    _add_page(app)
    return app


def _headers(reply: Reply) -> dict[str, str]:
    headers = {GENERATION_HEADER: reply.generation}
    if reply.stale:
        headers[STALE_HEADER] = reply.stale[:500].encode("ascii", "backslashreplace").decode()
    return headers


def _json(reply: Reply, convert: Any) -> JSONResponse:
    """The reply's plain result as the CLI's `--json` object."""
    return JSONResponse(convert(reply.value), headers=_headers(reply))


def _add_api(app: FastAPI, service: Service) -> None:
    @app.get("/api/ask", summary="parallax ask --json")
    def ask(q: Question, scope: ScopeQ, k: K = 5, mode: ModeQ = Mode.hybrid,
            by_document: Annotated[bool, Query(description="Group the passages per "
                                                           "document.")] = False,
            per_document: Annotated[int, Query(ge=1, le=bounds.per_document, description=
                                               "With by_document: passages per "
                                               "document.")] = 3) -> JSONResponse:
        """The passages that best answer a question, best first."""
        return _json(service.ask(q, k, mode, scope, by_document, per_document), render.ask_json)

    @app.get("/api/related", summary="parallax related --json")
    def related(scope: ScopeQ,
                passage_id: Annotated[str | None, Query(
                    max_length=bounds.passage_id, description="A passage id.")] = None,
                text: Annotated[str | None, Query(
                    max_length=bounds.question,
                    description="Instead of a passage id: a text.")] = None,
                k: K = 5, mode: ModeQ = Mode.hybrid,
                other_sources: Annotated[bool, Query(
                    description="Only passages of other documents.")] = False) -> JSONResponse:
        """Passages closest in meaning to a passage (never itself or its neighbours) or to
        a text."""
        return _json(service.related(passage_id, text, k, mode, scope, other_sources),
                     render.related_json)

    @app.get("/api/compare", summary="parallax compare --json")
    def compare(topic: Annotated[str, Query(min_length=1, max_length=bounds.topic,
                                            description="A topic in a few words.")],
                scope: ScopeQ, by: Annotated[GroupBy, Query(
                    description="Group sources by document, author or year.")] = GroupBy.document,
                passages: Annotated[int, Query(ge=1, le=bounds.passages, description=
                                               "Best passages per source.")] = 2,
                mode: ModeQ = Mode.hybrid,
                claim: Annotated[list[str] | None, Query(
                    description=f"A claim to check: which sources make it (repeatable, at "
                                f"most {bounds.claims}, as `compare --claim`).")] = None,
                format: Annotated[str, Query(pattern="^(json|md)$", description=
                                             "json, or md for the Markdown report of "
                                             "`compare --md`.")] = "json") -> Response:
        """How each source addresses a topic, in date order: its best passages or silence,
        the claims, and each source's distinctive terms; with `claim`, which sources make
        each claim."""
        reply = service.compare(topic, by, passages, mode, scope, claim or None)
        if format == "md":
            return PlainTextResponse(render_compare.comparison_markdown(reply.value),
                                     media_type="text/markdown; charset=utf-8",
                                     headers=_headers(reply))
        return _json(reply, render_compare.comparison_json)

    @app.get("/api/sources", summary="parallax sources --json")
    def sources() -> JSONResponse:
        """The indexed documents with their metadata and passage counts, in date order."""
        return _json(service.sources(), render.sources_json)

    @app.get("/api/passages/{passage_id}", summary="parallax show --json")
    def passage(passage_id: PassageId, context: Context = 0) -> JSONResponse:
        """A passage by id, from the index, with `context` neighbours on each side."""
        return _json(service.show(passage_id, context), render.in_context_json)

    @app.get("/api/passages/{passage_id}/file", summary="The file a passage came from")
    def passage_file(passage_id: PassageId) -> FileResponse:
        """The indexed file the passage came from, as it is on disk now (read only, and
        only files the index holds): the web page links a PDF passage to
        `/api/passages/ID/file#page=N`, which a browser opens at that page."""
        reply = service.document_file(passage_id)
        return FileResponse(reply.value, headers=_headers(reply),
                            content_disposition_type="inline", filename=reply.value.name)

    @app.get("/api/show", summary="parallax show --json")
    def show(passage_id: Annotated[str, Query(min_length=1, max_length=bounds.passage_id,
                                              description="A passage id.")],
             context: Context = 0) -> JSONResponse:
        """The same as /api/passages/{passage_id}, with the id as a parameter."""
        return _json(service.show(passage_id, context), render.in_context_json)


def _add_page(app: FastAPI) -> None:
    index_html = WEB / "index.html"

    @app.get("/", include_in_schema=False)
    @app.get("/compare", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(index_html, headers={"Cache-Control": "no-cache"})

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        """The OpenAPI schema as a page, from the package: nothing loaded from elsewhere."""
        return FileResponse(WEB / "docs.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=WEB), name="static")


def _error(status: int, message: str, hint: str | None) -> JSONResponse:
    return JSONResponse({"error": message, "hint": hint}, status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ParallaxError)
    def parallax_error(request: Request, error: ParallaxError) -> JSONResponse:
        return _error(http_status(error), error.message, error.hint)

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: "
                             f"{e['msg']}" for e in error.errors())
        return _error(422, problems, "The parameters and their bounds are at /docs.")

    @app.exception_handler(HTTPException)
    def http_error(request: Request, error: HTTPException) -> JSONResponse:
        hint = "The endpoints are listed at /docs." if error.status_code in (404, 405) else None
        return _error(error.status_code, str(error.detail), hint)

    @app.exception_handler(Exception)
    def bug(request: Request, error: Exception) -> JSONResponse:
        return _error(500, f"unexpected {type(error).__name__}", BUG_HINT)


def _require_token(app: FastAPI, token: str) -> None:
    expected = token.encode()

    @app.middleware("http")
    async def bearer(request: Request, call_next: Any) -> Response:
        if request.url.path.startswith("/api/"):
            # The scheme is case-insensitive (RFC 9110 11.1); the token is compared whole.
            scheme, _, given = request.headers.get("authorization", "").strip().partition(" ")
            if not (scheme.lower() == "bearer"
                    and secrets.compare_digest(given.strip().encode(), expected)):
                return JSONResponse(
                    {"error": "this server requires a bearer token",
                     "hint": "Send the header 'Authorization: Bearer TOKEN' with the --token "
                             "given to parallax serve."},
                    status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)


def _require_host(app: FastAPI, hosts: Set[str]) -> None:
    """Refuse requests naming another host: a web page whose name an attacker rebinds to
    127.0.0.1 must not be able to read the index through the visitor's browser."""

    @app.middleware("http")
    async def known_host(request: Request, call_next: Any) -> Response:
        given = request.headers.get("host", "")
        name = host_name(given)
        if name not in hosts:
            server = request.scope.get("server") or ("127.0.0.1", None)
            home = f"http://{url_host(str(server[0]))}" + (f":{server[1]}/" if server[1] else "/")
            return _error(
                400, f"this server answers only requests to {', '.join(sorted(hosts))}, "
                     f"not to {name[:100]!r}",
                f"Open it as {home}, or start parallax serve with --allow-host "
                f"{shlex.quote(name[:100]) if name else 'NAME'} to answer that name too.")
        return await call_next(request)


def _require_text(app: FastAPI) -> None:
    """Refuse a path or parameter that percent-decodes to bytes that are no UTF-8 text:
    decoded leniently, `q=%ff` would become U+FFFD and be answered as a question of
    punctuation."""

    @app.middleware("http")
    async def utf8_only(request: Request, call_next: Any) -> Response:
        part = _not_text(request.scope.get("raw_path") or request.scope["path"].encode(),
                         request.scope.get("query_string", b""))
        if part:
            return _error(400, f"{part} is not UTF-8 text once percent-decoded", UTF8_HINT)
        return await call_next(request)


def _not_text(path: bytes, query: bytes) -> str | None:
    """Which part of a request is not UTF-8 once percent-decoded: 'the path', 'the
    parameter NAME', or None when every part is text."""
    if not _is_utf8(unquote_to_bytes(path)):
        return "the path"
    for pair in query.split(b"&"):
        name, _, value = (unquote_to_bytes(part.replace(b"+", b" "))
                          for part in pair.partition(b"="))
        if not (_is_utf8(name) and _is_utf8(value)):
            shown = name.decode("utf-8", "backslashreplace")[:100]
            return f"the parameter {shown!r}"
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class JsonErrorsProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, answering a request it cannot parse (too long, not
    HTTP) with the JSON `{error, hint}` every other error has, instead of plain text."""

    def send_400_response(self, msg: str) -> None:
        status, message, hint = _unparsable(self.conn.trailing_data[0])
        body = json.dumps({"error": message, "hint": hint}).encode()
        headers = [(b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
        for event in (h11.Response(status_code=status, headers=headers,
                                   reason=HTTPStatus(status).phrase.encode()),
                      h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()


def _unparsable(received: bytes) -> tuple[int, str, str]:
    """The status, error and hint for a request h11 refused, from the bytes it holds."""
    if len(received) > MAX_REQUEST_HEAD:
        if b"\n" not in received[:MAX_REQUEST_HEAD]:
            return (414, f"the request is too long: this server reads at most "
                         f"{MAX_REQUEST_HEAD // 1024} KiB of a request's address and headers",
                    f"A question or a text is at most {bounds.question} characters and a "
                    f"topic {bounds.topic}: the parameters and their bounds are at /docs.")
        return (431, f"the request's headers are too large: this server reads at most "
                     f"{MAX_REQUEST_HEAD // 1024} KiB of a request's address and headers",
                "Send fewer or shorter headers.")
    return (400, "this is not a valid HTTP/1.1 request",
            "Send a GET request as a browser, curl or urllib does; the endpoints are at /docs.")


def run(app: FastAPI, sock: socket.socket) -> None:
    """Serve `app` on the bound `sock` until interrupted."""
    config = uvicorn.Config(app, http=JsonErrorsProtocol,
                            h11_max_incomplete_event_size=MAX_REQUEST_HEAD,
                            log_level="warning", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
