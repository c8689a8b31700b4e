"""The TypeScript SDK client (@modelcontextprotocol/sdk) over Streamable HTTP, with the URL and
header taken from a generated config."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
from interop_support import CLIENT_TIMEOUT, DATA_TOOLS, HERE, LiveServer, NodeTools

from indicate_mcp.authority.tokens import mint
from indicate_mcp.clients import build_config

pytestmark = pytest.mark.interop


def run_sdk(server: LiveServer, tools: NodeTools, token: str, **env: str) -> tuple[int, Any]:
    # ESM resolves packages from the script's own folder, so the script runs beside node_modules.
    script = tools.modules / "sdk_client.mjs"
    shutil.copyfile(HERE / "sdk_client.mjs", script)
    entry = json.loads(build_config("cursor", base_url=server.base_url, token=token).content)
    entry = entry["mcpServers"]["indicate"]
    result = subprocess.run(
        [tools.node20, str(script)],
        env={
            **server.env,
            "MCP_URL": entry["url"],
            "AUTHORIZATION": entry["headers"]["Authorization"],
            **env,
        },
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    assert lines, f"no output; stderr:\n{result.stderr[-2000:]}"
    return result.returncode, json.loads(lines[-1])


def test_lists_tools_and_calls_every_data_tool(
    live_server: LiveServer, node_tools: NodeTools
) -> None:
    code, report = run_sdk(live_server, node_tools, live_server.multi_token)
    assert code == 0, report
    assert set(DATA_TOOLS) <= set(report["tools"])
    calls = report["calls"]
    for tool in DATA_TOOLS:
        assert not calls[tool]["isError"], (tool, calls[tool]["text"])
        assert calls[tool]["structured"] is not None, tool
    tenants = calls["list_tenants"]["structured"]["tenants"]
    assert {t["tenant_id"] for t in tenants} == {s["id"] for s in live_server.spaces}
    assert calls["health_check"]["structured"]["caller"]["scope"] == "multi"
    assert live_server.multi_token not in json.dumps(report)
    unknown = calls["query_metric:unknown"]
    assert unknown["isError"]
    assert "no_such_metric" in unknown["text"]


@pytest.mark.parametrize(
    "token",
    [mint("agent").plaintext, "ind_agent_not_a_token"],
    ids=["unknown-token", "malformed-token"],
)
def test_wrong_token_fails_cleanly(
    live_server: LiveServer, node_tools: NodeTools, token: str
) -> None:
    # build_config refuses a malformed token, so the header is built by hand for that case.
    code, report = run_sdk(
        live_server,
        node_tools,
        live_server.single_token,
        AUTHORIZATION=f"Bearer {token}",
        EXPECT="unauthorized",
    )
    assert code == 0, report
    assert report["refused"]
    assert "invalid_token" in report["message"]
