"""Python clients: the MCP Python SDK (ours, in legacy and auto modes, over HTTP and stdio);
LangChain's and the OpenAI Agents SDK's MCP clients, each in its own venv, running the snippet
that ``indicate-mcp tokens mcp-json`` prints. No LLM is called."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx2
import pytest
from interop_support import CLIENT_TIMEOUT, DATA_TOOLS, LiveServer, indicate_cli, venv_python
from mcp.client.client import Client
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from indicate_mcp.authority.tokens import mint
from indicate_mcp.clients import build_config

pytestmark = pytest.mark.interop


def structured(result: Any) -> Any:
    assert not result.is_error, result
    return result.structured_content


@pytest.mark.parametrize(("mode", "protocol"), [("legacy", "2025-11-25"), ("auto", "2026-07-28")])
async def test_python_sdk_over_http(live_server: LiveServer, mode: str, protocol: str) -> None:
    headers = {"Authorization": f"Bearer {live_server.multi_token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(live_server.mcp_url, http_client=http), mode=mode) as client,
    ):
        assert client.session.protocol_version == protocol
        names = {t.name for t in (await client.list_tools()).tools}
        assert set(DATA_TOOLS) <= names
        tenants = structured(await client.call_tool("list_tenants", {}))["tenants"]
        tenant = tenants[0]["tenant_id"]
        metrics = structured(await client.call_tool("list_metrics", {"tenant_id": tenant}))
        metric = metrics["metrics"][0]["id"]
        query = {"tenant_id": tenant, "metric_id": metric, "granularity": "month"}
        assert structured(await client.call_tool("query_metric", query))
        # Several hotels and no tenant_id: an error the agent can act on, naming the valid IDs.
        refused = await client.call_tool("list_data_sources", {})
        assert refused.is_error
        assert tenant in json.dumps(refused.model_dump(mode="json"))


async def test_python_sdk_over_legacy_sse_as_old_n8n_nodes_use_it(live_server: LiveServer) -> None:
    # n8n's MCP Client Tool node version 1 speaks SSE only; its settings name /sse.
    n8n = build_config("n8n", base_url=live_server.base_url, token=live_server.single_token)
    sse_url = f"{live_server.base_url}/sse"
    assert sse_url in n8n.content
    headers = {"Authorization": f"Bearer {live_server.single_token}"}
    async with Client(sse_client(sse_url, headers=headers), mode="legacy") as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert set(DATA_TOOLS) <= names
        tenants = structured(await client.call_tool("list_tenants", {}))["tenants"]
        assert [t["tenant_id"] for t in tenants] == [live_server.spaces[0]["id"]]


def leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in leaves(inner)]
    return [exc]


async def test_python_sdk_wrong_token(live_server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {mint('agent').plaintext}"}
    with pytest.raises(BaseException) as caught:  # the SDK raises from inside a task group
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(streamable_http_client(live_server.mcp_url, http_client=http)) as client,
        ):
            await client.list_tools()
    # mcp 2.3 reports the 401 as a generic MCPError (-32603), without the status.
    errors = leaves(caught.value)
    assert any(isinstance(e, MCPError) or "401" in repr(e) for e in errors), errors


async def test_python_sdk_over_stdio_from_the_claude_desktop_config(
    live_server: LiveServer,
) -> None:
    config = build_config(
        "claude-desktop",
        base_url=live_server.base_url,
        token=live_server.single_token,
        database=str(live_server.database),
    )
    entry = json.loads(config.content)["mcpServers"]["indicate"]
    command = indicate_cli()  # the entry says `indicate-mcp`; this is the same program
    params = StdioServerParameters(
        command=command[0],
        args=[*command[1:], *entry["args"]],
        env={**live_server.env, **entry["env"]},
    )
    async with Client(params) as client:
        health = structured(await client.call_tool("health_check", {}))
        assert health["caller"]["scope"] == "single"


def run_snippet(
    server: LiveServer, client: str, python: str, token: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    script = tmp_path / f"{client}.py"
    script.write_text(build_config(client, base_url=server.base_url, token=None).content)
    return subprocess.run(
        [python, str(script)],
        env={**server.env, "INDICATE_AGENT_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
        check=False,
    )


@pytest.mark.parametrize("client", ["langchain", "openai-agents"])
def test_generated_snippet_lists_tools_and_calls_list_tenants(
    live_server: LiveServer, client: str, tmp_path: Path
) -> None:
    python = venv_python(client)
    result = run_snippet(live_server, client, python, live_server.single_token, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith("tools: ")
    for tool in DATA_TOOLS:
        assert f"'{tool}'" in first_line
    # list_tenants answered with the single hotel this token reaches.
    assert live_server.spaces[0]["id"] in result.stdout
    assert live_server.single_token not in result.stdout + result.stderr


@pytest.mark.parametrize("client", ["langchain", "openai-agents"])
def test_generated_snippet_fails_on_a_wrong_token(
    live_server: LiveServer, client: str, tmp_path: Path
) -> None:
    python = venv_python(client)
    result = run_snippet(live_server, client, python, mint("agent").plaintext, tmp_path)
    assert result.returncode != 0
    assert "tools:" not in result.stdout
