"""MCP Inspector's CLI mode (2.x, on Node 22) over HTTP with --header, over stdio with -e, and
with --config on the generated Claude Code .mcp.json."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from interop_support import CLIENT_TIMEOUT, DATA_TOOLS, LiveServer, NodeTools, indicate_cli

from indicate_mcp.authority.tokens import mint
from indicate_mcp.clients import build_config

pytestmark = pytest.mark.interop


def inspector(
    server: LiveServer, tools: NodeTools, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **server.env,
        "MCP_INSPECTOR_SECRET_STORE": "memory",  # no keychain on a headless machine
        # Where `indicate-mcp` lives, for the stdio form, as a user's PATH would have it.
        "PATH": os.pathsep.join([str(Path(indicate_cli()[0]).parent), server.env["PATH"]]),
    }
    return subprocess.run(
        [tools.node22, tools.bin("mcp-inspector"), "--cli", *args],
        env=env,
        cwd=cwd or server.home,
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def ok_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def tool_payload(result: subprocess.CompletedProcess[str]) -> Any:
    body = ok_json(result)
    assert not body.get("isError"), body
    return body.get("structuredContent") or json.loads(body["content"][0]["text"])


def header(token: str) -> str:
    return f"Authorization: Bearer {token}"


def test_http_with_header_lists_tools_strictly(
    live_server: LiveServer, node_tools: NodeTools
) -> None:
    # --strict also checks the tool schemas for portability problems across clients.
    result = inspector(
        live_server, node_tools, live_server.mcp_url, "--transport", "http",
        "--method", "tools/list", "--strict", "--header", header(live_server.single_token),
    )  # fmt: skip
    names = [t["name"] for t in ok_json(result)["tools"]]
    assert set(DATA_TOOLS) <= set(names)


def test_http_calls_the_data_tools(live_server: LiveServer, node_tools: NodeTools) -> None:
    common = ("--transport", "http", "--header", header(live_server.single_token))

    def call(tool: str, *args: str) -> Any:
        result = inspector(
            live_server, node_tools, live_server.mcp_url, *common,
            "--method", "tools/call", "--tool-name", tool, *args,
        )  # fmt: skip
        return tool_payload(result)

    tenants = call("list_tenants")["tenants"]
    assert len(tenants) == 1  # a single-space token: tenant_id may be left out below
    assert call("list_data_sources")["data_sources"]
    metric = call("list_metrics")["metrics"][0]["id"]
    answer = call(
        "query_metric", "--tool-arg", f"metric_id={metric}", "--tool-arg", "granularity=month"
    )
    assert answer  # the shape is the data tools' own tests' business
    assert call("health_check")["caller"]["scope"] == "single"


def test_http_wrong_token_fails_cleanly(live_server: LiveServer, node_tools: NodeTools) -> None:
    result = inspector(
        live_server, node_tools, live_server.mcp_url, "--transport", "http",
        "--method", "tools/list", "--header", header(mint("agent").plaintext),
    )  # fmt: skip
    assert result.returncode != 0
    assert "tools" not in result.stdout


def test_stdio_from_the_claude_desktop_config(
    live_server: LiveServer, node_tools: NodeTools
) -> None:
    config = build_config(
        "claude-desktop",
        base_url=live_server.base_url,
        token=live_server.single_token,
        database=str(live_server.database),
    )
    entry = json.loads(config.content)["mcpServers"]["indicate"]
    env_flags = [f"-e{k}={v}" for k, v in entry["env"].items()]
    result = inspector(
        live_server, node_tools, *env_flags, "--method", "tools/call",
        "--tool-name", "health_check", "--", entry["command"], *entry["args"],
    )  # fmt: skip
    assert tool_payload(result)["caller"]["scope"] == "single"


def test_stdio_wrong_token_fails_cleanly(live_server: LiveServer, node_tools: NodeTools) -> None:
    result = inspector(
        live_server, node_tools, f"-eINDICATE_AGENT_TOKEN={mint('agent').plaintext}",
        "--method", "tools/list", "--", "indicate-mcp", "stdio", "--database",
        str(live_server.database),
    )  # fmt: skip
    assert result.returncode != 0


def expand_like_claude_code(text: str, env: dict[str, str]) -> str:
    """Claude Code expands ${VAR} and ${VAR:-default} in .mcp.json when it loads the file."""

    def one(match: re.Match[str]) -> str:
        name, _, default = match.group(1).partition(":-")
        return env.get(name, default)

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?)\}", one, text)


def test_config_file_from_the_generated_claude_code_mcp_json(
    live_server: LiveServer, node_tools: NodeTools, tmp_path: Path
) -> None:
    content = build_config("claude-code-json", base_url=live_server.base_url, token=None).content
    # Inspector 2.x reads the same mcpServers shape but does not expand ${VAR} itself, so the
    # file is expanded first, as Claude Code does on load.
    expanded = tmp_path / "mcp.json"
    env = {"INDICATE_AGENT_TOKEN": live_server.single_token}
    expanded.write_text(expand_like_claude_code(content, env))
    result = inspector(
        live_server, node_tools, "--config", str(expanded), "--server", "indicate",
        "--method", "tools/list",
    )  # fmt: skip
    assert set(DATA_TOOLS) <= {t["name"] for t in ok_json(result)["tools"]}

    # The unexpanded file reaches the server with the literal ${…} and is refused, promptly.
    raw = tmp_path / "raw.json"
    raw.write_text(content)
    result = inspector(
        live_server, node_tools, "--config", str(raw), "--server", "indicate",
        "--method", "tools/list",
    )  # fmt: skip
    assert result.returncode != 0
