"""mcp-remote, started exactly as Claude Desktop starts it from the generated
claude-desktop-remote config (command, args, env), driven over its stdin/stdout."""

from __future__ import annotations

import json
from typing import Any

import pytest
from interop_support import DATA_TOOLS, LiveServer, NodeTools
from stdio_peer import PeerClosed, StdioPeer

from indicate_mcp.authority.tokens import mint
from indicate_mcp.clients import build_config

pytestmark = pytest.mark.interop


def desktop_entry(server: LiveServer, token: str | None) -> dict[str, Any]:
    config = build_config("claude-desktop-remote", base_url=server.base_url, token=token)
    entry: dict[str, Any] = json.loads(config.content)["mcpServers"]["indicate"]
    return entry


def peer(server: LiveServer, tools: NodeTools, entry: dict[str, Any], **env: str) -> StdioPeer:
    # Claude Desktop adds the entry's env to its own; npx runs from the directory where setup.sh
    # installed the pinned mcp-remote, so nothing is fetched.
    return StdioPeer(
        [entry["command"], *entry["args"]],
        {**server.env, **env, **entry.get("env", {})},
        tools.modules,
    )


def structured(response: dict[str, Any]) -> Any:
    result = response["result"]
    assert not result.get("isError"), result
    return result.get("structuredContent") or json.loads(result["content"][0]["text"])


async def exercise(session: StdioPeer) -> None:
    init = await session.initialize()
    assert init["result"]["serverInfo"]["name"] == "indicate-mcp", init
    listed = await session.request("tools/list")
    assert set(DATA_TOOLS) <= {t["name"] for t in listed["result"]["tools"]}
    tenants = structured(
        await session.request("tools/call", {"name": "list_tenants", "arguments": {}})
    )
    assert len(tenants["tenants"]) == 1
    metrics = structured(
        await session.request("tools/call", {"name": "list_metrics", "arguments": {}})
    )
    answer = await session.request(
        "tools/call",
        {"name": "query_metric", "arguments": {"metric_id": metrics["metrics"][0]["id"]}},
    )
    assert structured(answer)


async def test_config_made_at_creation_carries_the_token(
    live_server: LiveServer, node_tools: NodeTools
) -> None:
    entry = desktop_entry(live_server, live_server.single_token)
    assert entry["env"] == {"AUTH_HEADER": f"Bearer {live_server.single_token}"}
    async with peer(live_server, node_tools, entry) as session:
        await exercise(session)
    assert live_server.single_token not in session.stderr.decode()


async def test_config_shown_later_reads_auth_header_from_the_environment(
    live_server: LiveServer, node_tools: NodeTools
) -> None:
    entry = desktop_entry(live_server, None)
    assert "env" not in entry
    auth = f"Bearer {live_server.single_token}"
    async with peer(live_server, node_tools, entry, AUTH_HEADER=auth) as session:
        await exercise(session)


async def test_wrong_token_fails_without_hanging(
    live_server: LiveServer, node_tools: NodeTools
) -> None:
    entry = desktop_entry(live_server, mint("agent").plaintext)
    async with peer(live_server, node_tools, entry) as session:
        try:
            response = await session.initialize(within=60)
        except PeerClosed:
            return  # mcp-remote gave up and exited: clean enough for a host to report
        assert "error" in response, response
