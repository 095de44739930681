"""`parallax serve`: every endpoint answers with exactly the object the CLI's `--json`
prints for the same request, errors are `{"error", "hint"}` with the status of their kind,
and the bounds are enforced and published in the OpenAPI schema."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Server, run_cli

QUESTION = "What did China say about Taiwan?"
TOPIC = "the Taiwan question"


CLAIMS = ["China opposes Taiwan independence",
          "Trade between the two countries is mutually beneficial"]


def q(**params: object) -> str:
    return urllib.parse.urlencode({k: v for k, v in params.items() if v is not None},
                                  doseq=True)


def same(reply: Any, cli: Any) -> bool:
    """The same JSON text once both are serialised alike: keys in the same order, the same
    numbers, not merely equal dicts."""
    return json.dumps(reply, ensure_ascii=False) == json.dumps(cli, ensure_ascii=False)


@pytest.fixture(scope="module")
def passage_id(server: Server) -> str:
    return server.get("/api/ask?" + q(q=QUESTION, k=1)).json()["results"][0]["passage_id"]


@pytest.mark.parametrize(("api", "cli"), [
    ({"q": QUESTION}, [QUESTION]),
    ({"q": "Taiwan", "k": 3, "mode": "lexical"}, ["Taiwan", "-k", "3", "--mode", "lexical"]),
    ({"q": "trade and the economy", "mode": "dense", "since": "2017", "until": "2021-06",
      "author": "wang"},
     ["trade and the economy", "--mode", "dense", "--since", "2017", "--until", "2021-06",
      "--author", "wang"]),
    ({"q": QUESTION, "source": "00[12]_*", "k": 2}, [QUESTION, "--source", "00[12]_*", "-k", "2"]),
    ({"q": QUESTION, "by_document": "true", "per_document": 2, "k": 3},
     [QUESTION, "--by-document", "--per-document", "2", "-k", "3"]),
], ids=["default", "lexical", "dense-filtered", "source-glob", "by-document"])
def test_ask_is_the_cli_answer(server: Server, sample_index: Path, api: dict,
                               cli: list[str]) -> None:
    reply = server.get("/api/ask?" + q(**api))
    assert reply.status == 200, reply.body
    assert same(reply.json(), run_cli("ask", *cli, "--index", str(sample_index)))
    assert reply.json()["results"], "the comparison must be about some results"


@pytest.mark.parametrize("other_sources", [False, True])
def test_related_is_the_cli_answer(server: Server, sample_index: Path, passage_id: str,
                                   other_sources: bool) -> None:
    flag = ["--other-sources"] if other_sources else []
    reply = server.get("/api/related?" + q(passage_id=passage_id, other_sources=other_sources))
    assert reply.status == 200, reply.body
    assert same(reply.json(),
                run_cli("related", passage_id, *flag, "--index", str(sample_index)))
    documents = {r["document"]["id"] for r in reply.json()["results"]}
    assert (passage_id.split(".")[0] not in documents) == other_sources or not other_sources


def test_related_to_a_text_is_the_cli_answer(server: Server, sample_index: Path) -> None:
    text = "Both sides should respect each other's core interests."
    reply = server.get("/api/related?" + q(text=text, k=3, mode="dense"))
    assert reply.json() == run_cli("related", "--text", text, "-k", "3", "--mode", "dense",
                                   "--index", str(sample_index))


@pytest.mark.parametrize(("api", "cli"), [
    ({"topic": TOPIC}, [TOPIC]),
    ({"topic": "trade", "by": "year", "passages": 1, "mode": "lexical"},
     ["trade", "--by", "year", "--passages", "1", "--mode", "lexical"]),
    ({"topic": TOPIC, "since": "2017"}, [TOPIC, "--since", "2017"]),
    ({"topic": "Taiwan", "claim": CLAIMS},
     ["Taiwan", "--claim", CLAIMS[0], "--claim", CLAIMS[1]]),
], ids=["default", "by-year-lexical", "filtered", "claims"])
def test_compare_is_the_cli_answer(server: Server, sample_index: Path, api: dict,
                                   cli: list[str]) -> None:
    reply = server.get("/api/compare?" + q(**api))
    assert reply.status == 200, reply.body
    assert same(reply.json(), run_cli("compare", *cli, "--index", str(sample_index)))
    assert bool(reply.json().get("claim_checks")) == ("claim" in api)


def test_compare_markdown_is_the_cli_report(server: Server, sample_index: Path,
                                            tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    run_cli("compare", TOPIC, "--md", str(report), "--index", str(sample_index))
    reply = server.get("/api/compare?" + q(topic=TOPIC, format="md"))
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/markdown")
    assert reply.body.decode("utf-8") == report.read_text(encoding="utf-8")


def test_sources_is_the_cli_answer(server: Server, sample_index: Path) -> None:
    reply = server.get("/api/sources")
    assert same(reply.json(), run_cli("sources", "--index", str(sample_index)))
    assert len(reply.json()["documents"]) == 5


@pytest.mark.parametrize("context", [0, 1])
def test_show_and_passage_are_the_cli_answer(server: Server, sample_index: Path,
                                             passage_id: str, context: int) -> None:
    expected = run_cli("show", passage_id, "--context", str(context),
                       "--index", str(sample_index))
    assert same(server.get(f"/api/passages/{passage_id}?context={context}").json(), expected)
    assert same(server.get("/api/show?" + q(passage_id=passage_id, context=context)).json(),
                expected)


def test_every_answer_names_its_generation(server: Server) -> None:
    assert server.get("/api/sources").headers["x-parallax-generation"]


# Errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "status", "words"), [
    ("/api/ask?" + q(q="?!"), 400, "no words"),
    ("/api/ask?" + q(q="   "), 400, "empty"),
    ("/api/ask?" + q(q="Taiwan", since="20x"), 400, "ISO-8601"),
    ("/api/ask?" + q(q="Taiwan", since="2021", until="2017"), 400, "after"),
    ("/api/compare?" + q(topic="..."), 400, "no words"),
    ("/api/related", 400, "passage_id or a text"),
    ("/api/related?" + q(passage_id="x.1", text="y"), 400, "passage_id or a text"),
    ("/api/passages/f00.1", 404, "no passage"),
    ("/api/show?" + q(passage_id="f00.1"), 404, "no passage"),
    ("/api/related?" + q(passage_id="f00.1"), 404, "no passage"),
    ("/api/nothing-here", 404, "Not Found"),
    ("/api/ask", 422, "q"),
    ("/api/ask?" + q(q="Taiwan", mode="magic"), 422, "mode"),
    ("/api/ask?" + q(q="Taiwan", k="many"), 422, "k"),
    ("/api/compare?" + q(topic="Taiwan", by="colour"), 422, "by"),
    ("/api/compare?" + q(topic="Taiwan", format="pdf"), 422, "format"),
], ids=lambda v: v if isinstance(v, int) else None)
def test_errors_are_json_with_the_status_of_their_kind(server: Server, path: str,
                                                       status: int, words: str) -> None:
    reply = server.get(path)
    assert reply.status == status, reply.body
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert set(body) == {"error", "hint"}
    assert words.lower() in body["error"].lower()
    assert "Traceback" not in reply.body.decode()


def test_only_get_is_allowed(server: Server) -> None:
    for method in ("POST", "PUT", "DELETE"):
        reply = server.get("/api/sources", method=method)
        assert reply.status == 405
        assert set(reply.json()) == {"error", "hint"}


def test_a_foreign_host_name_is_refused_on_loopback(server: Server) -> None:
    # A web page that rebinds its own name to 127.0.0.1 must not read the index.
    reply = server.get("/api/sources", headers={"Host": "attacker.example"})
    assert reply.status == 400
    assert reply.json()["error"] == ("this server answers only requests to 127.0.0.1, ::1, "
                                     "localhost, not to 'attacker.example'")
    assert server.get("/api/sources", headers={"Host": f"localhost:{server.port}"}).status == 200


# Bounds ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "name"), [
    ("/api/ask?" + q(q="x" * 1001), "q"),
    ("/api/ask?" + q(q="Taiwan", k=0), "k"),
    ("/api/ask?" + q(q="Taiwan", k=101), "k"),
    ("/api/ask?" + q(q="Taiwan", by_document="true", per_document=21), "per_document"),
    ("/api/ask?" + q(q="Taiwan", author="a" * 201), "author"),
    ("/api/related?" + q(text="x" * 1001), "text"),
    ("/api/related?" + q(passage_id="f00.1", k=101), "k"),
    ("/api/compare?" + q(topic="x" * 201), "topic"),
    ("/api/compare?" + q(topic="Taiwan", passages=21), "passages"),
    ("/api/passages/f00.1?context=21", "context"),
    ("/api/passages/" + "f" * 101, "passage_id"),
], ids=lambda v: v if len(v) < 20 else None)
def test_inputs_out_of_bounds_are_refused(server: Server, path: str, name: str) -> None:
    reply = server.get(path)
    assert reply.status == 422, reply.body
    assert reply.json()["error"].startswith(name + ":")


def test_the_bounds_are_in_the_openapi_schema(server: Server) -> None:
    schema = server.get("/openapi.json").json()

    def param(path: str, name: str) -> dict:
        found = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
        assert found, f"{path} has no parameter {name}"
        return found[0]["schema"]

    assert param("/api/ask", "q")["maxLength"] == 1000
    assert (param("/api/ask", "k")["minimum"], param("/api/ask", "k")["maximum"]) == (1, 100)
    assert param("/api/ask", "per_document")["maximum"] == 20
    assert param("/api/compare", "topic")["maxLength"] == 200
    assert param("/api/compare", "passages")["maximum"] == 20
    assert param("/api/passages/{passage_id}", "context")["maximum"] == 20
    assert set(schema["paths"]) >= {"/api/ask", "/api/related", "/api/compare", "/api/sources",
                                    "/api/show", "/api/passages/{passage_id}"}
    assert all(set(ops) == {"get"} for ops in schema["paths"].values()), "read-only"
    assert server.get("/docs").status == 200


# Security defaults -------------------------------------------------------------------------

def test_a_token_is_required_when_given(sample_index: Path, tmp_path: Path) -> None:
    guarded = Server(sample_index, "--token", "s3cret", log=tmp_path / "serve.log")
    try:
        assert guarded.get("/api/sources").status == 401
        assert set(guarded.get("/api/sources").json()) == {"error", "hint"}
        wrong = guarded.get("/api/sources", headers={"Authorization": "Bearer nope"})
        assert wrong.status == 401
        right = guarded.get("/api/sources", headers={"Authorization": "Bearer s3cret"})
        assert right.status == 200
        for scheme in ("bearer", "BEARER"):  # the scheme is case-insensitive (RFC 9110)
            reply = guarded.get("/api/sources", headers={"Authorization": f"{scheme} s3cret"})
            assert reply.status == 200, scheme
        assert guarded.get("/api/sources",
                           headers={"Authorization": "Basic s3cret"}).status == 401
        assert guarded.get("/api/sources",
                           headers={"Authorization": "Bearer S3CRET"}).status == 401
        assert guarded.get("/").status == 200, "the page itself holds no data"
    finally:
        guarded.stop()


def test_another_host_is_warned_about(sample_index: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the server cannot bind and stops, after
    # the warning; no traffic leaves the machine.
    done = subprocess.run([sys.executable, "-m", "parallax", "serve", "--index",
                           str(sample_index), "--host", "192.0.2.1", "--port", "8999"],
                          capture_output=True, text=True, timeout=300)
    assert "no authentication" in done.stderr
    assert done.returncode != 0


def test_loopback_is_the_default_and_needs_no_warning() -> None:
    from parallax.cli.serve import LOOPBACK, is_loopback

    assert LOOPBACK == "127.0.0.1"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
