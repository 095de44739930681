"""`parallax mcp` through the SDK's own stdio client: the tools are listed with their JSON
schemas, and `search`, `compare`, `show`, `sources` and `related` answer with the CLI's JSON
objects, citations included (path, lines, passage id)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.server.conftest import run_cli

SESSION_SECONDS = 300  # a bound for model loading and five calls on a busy machine
QUESTION = "What did China say about Taiwan?"
CLAIM = "China opposes Taiwan independence"


def _structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


async def _session(index: Path) -> dict[str, Any]:
    from mcp import ClientSession, StdioServerParameters, stdio_client

    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "parallax", "mcp", "--index", str(index)])
    seen: dict[str, Any] = {}
    with anyio.fail_after(SESSION_SECONDS):
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            seen["tools"] = {t.name: t for t in (await session.list_tools()).tools}
            seen["search"] = _structured(await session.call_tool(
                "search", {"question": QUESTION, "k": 3}))
            seen["compare"] = _structured(await session.call_tool(
                "compare", {"topic": "the Taiwan question"}))
            seen["claims"] = _structured(await session.call_tool(
                "compare", {"topic": "Taiwan", "claims": [CLAIM]}))
            first = seen["search"]["results"][0]["passage_id"]
            seen["show"] = _structured(await session.call_tool("show", {"passage_id": first}))
            seen["related"] = _structured(await session.call_tool(
                "related", {"passage_id": first, "other_sources": True, "k": 2}))
            seen["sources"] = _structured(await session.call_tool("sources", {}))
            seen["missing"] = await session.call_tool("show", {"passage_id": "f00.1"})
            seen["too_many"] = await session.call_tool("search", {"question": "x", "k": 1000})
    return seen


@pytest.fixture(scope="module")
def mcp_session(sample_index: Path) -> dict[str, Any]:
    return anyio.run(_session, sample_index)


def test_the_tools_are_listed_with_their_schemas(mcp_session: dict[str, Any]) -> None:
    tools = mcp_session["tools"]
    assert set(tools) == {"search", "related", "compare", "show", "sources"}
    search = tools["search"].input_schema
    assert search["required"] == ["question"]
    assert search["properties"]["k"]["maximum"] == 100
    assert search["properties"]["question"]["maxLength"] == 1000
    assert tools["compare"].input_schema["properties"]["topic"]["maxLength"] == 200
    assert all(t.description for t in tools.values())
    assert all(t.annotations and t.annotations.read_only_hint for t in tools.values())


def test_search_answers_as_ask_json_with_citations(mcp_session: dict[str, Any],
                                                   sample_index: Path) -> None:
    found = mcp_session["search"]
    assert found == run_cli("ask", QUESTION, "-k", "3", "--index", str(sample_index))
    best = found["results"][0]
    assert "Taiwan" in best["highlight"]
    assert Path(best["document"]["path"]).is_absolute() and best["lines"][0] >= 1
    assert best["passage_id"]


def test_compare_answers_as_compare_json(mcp_session: dict[str, Any],
                                         sample_index: Path) -> None:
    compared = mcp_session["compare"]
    assert compared == run_cli("compare", "the Taiwan question", "--index", str(sample_index))
    assert len(compared["sources"]) == 5 and compared["key_points"]


def test_compare_checks_claims_as_the_cli_does(mcp_session: dict[str, Any],
                                               sample_index: Path) -> None:
    checked = mcp_session["claims"]
    assert checked == run_cli("compare", "Taiwan", "--claim", CLAIM, "--index",
                              str(sample_index))
    assert [c["claim"] for c in checked["claim_checks"]] == [CLAIM]


def test_show_related_and_sources(mcp_session: dict[str, Any], sample_index: Path) -> None:
    first = mcp_session["search"]["results"][0]["passage_id"]
    assert mcp_session["show"] == run_cli("show", first, "--index", str(sample_index))
    own = first.split(".")[0]
    assert all(r["document"]["id"] != own for r in mcp_session["related"]["results"])
    assert mcp_session["sources"] == run_cli("sources", "--index", str(sample_index))


def test_problems_are_tool_errors_with_the_next_step(mcp_session: dict[str, Any]) -> None:
    missing = mcp_session["missing"]
    assert missing.is_error and "no passage 'f00.1'" in missing.content[0].text
    assert "f7e65fcd9762.8" in missing.content[0].text, "the hint comes along"
    assert mcp_session["too_many"].is_error
