"""Claude Desktop (stdio, or HTTP through the ``mcp-remote`` bridge) and Claude Code."""

from __future__ import annotations

import shlex
from typing import Any
from urllib.parse import urlsplit

from indicate_mcp.clients._common import (
    HEADER_ENV,
    MCP_REMOTE,
    SECRET_NOTE,
    TOKEN_ENV,
    ClientConfig,
    bearer,
    mcp_url,
    to_json,
)

DESKTOP_PATH = (
    "claude_desktop_config.json — macOS: ~/Library/Application Support/Claude/, "
    "Windows: %APPDATA%\\Claude\\, Linux: ~/.config/Claude/ (Settings → Developer → Edit Config)"
)


def _no_expansion(var: str, value: str) -> str:
    return (
        'Claude Desktop does not expand ${…} in this file: without an "env" entry the server '
        f"reads {var} from the environment Claude Desktop was started with; or add "
        f'"env": {{"{var}": "{value}"}} to the entry. Restart Claude Desktop after saving.'
    )


def desktop_stdio(*, token: str | None, name: str, database: str | None) -> ClientConfig:
    args = ["stdio"]
    if database is not None:
        # Claude Desktop starts servers in its own working directory, so a relative or
        # default database path would silently point at a new, empty database.
        args += ["--database", database]
    entry: dict[str, Any] = {"command": "indicate-mcp", "args": args}
    if token is not None:
        entry["env"] = {TOKEN_ENV: token}
    note = (
        "Runs indicate-mcp on this machine against the same database; `indicate-mcp` must be "
        "on Claude Desktop's PATH (or give its absolute path). "
    )
    if token is not None:
        note += SECRET_NOTE
    else:
        note += _no_expansion(TOKEN_ENV, "<agent token>")
    return ClientConfig(
        client="claude-desktop",
        title="Claude Desktop (local stdio)",
        format="json",
        path=DESKTOP_PATH,
        content=to_json({"mcpServers": {name: entry}}),
        contains_secret=token is not None,
        note=note,
    )


def mcp_remote_args(base_url: str) -> list[str]:
    url = mcp_url(base_url)
    args = ["-y", MCP_REMOTE, url, "--header", f"Authorization:${{{HEADER_ENV}}}"]
    parts = urlsplit(url)
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1"):
        args.append("--allow-http")  # mcp-remote refuses plain HTTP elsewhere without it
    return args


def desktop_remote(*, base_url: str, token: str | None, name: str) -> ClientConfig:
    # Claude Desktop's config file takes stdio servers only and its Connectors accept no static
    # header, so the `mcp-remote` bridge carries the header. The space-free
    # "Authorization:${AUTH_HEADER}" survives clients that split arguments on spaces (Windows);
    # mcp-remote itself expands ${AUTH_HEADER} from its environment.
    entry: dict[str, Any] = {"command": "npx", "args": mcp_remote_args(base_url)}
    if token is not None:
        entry["env"] = {HEADER_ENV: bearer(token, "")}
    note = f"Needs Node.js (npx) on Claude Desktop's PATH; npx fetches {MCP_REMOTE} once. "
    if token is not None:
        note += SECRET_NOTE
    else:
        note += _no_expansion(HEADER_ENV, "Bearer <agent token>")
    return ClientConfig(
        client="claude-desktop-remote",
        title="Claude Desktop (HTTP via mcp-remote)",
        format="json",
        path=DESKTOP_PATH,
        content=to_json({"mcpServers": {name: entry}}),
        contains_secret=token is not None,
        note=note,
    )


def code_command(*, base_url: str, token: str | None, name: str) -> ClientConfig:
    # Single-quoted by shlex, so without a token the shell leaves ${INDICATE_AGENT_TOKEN}
    # alone and Claude Code expands it at each start instead of storing the secret.
    header = "Authorization: " + bearer(token, f"${{{TOKEN_ENV}}}")
    argv = ["claude", "mcp", "add", "--transport", "http", name, mcp_url(base_url)]
    argv += ["--header", header]
    note = "Adds the server for you in this project (add --scope user for all projects). "
    if token is not None:
        note += SECRET_NOTE + " Claude Code stores it in ~/.claude.json."
    else:
        note += f"Claude Code reads the token from ${TOKEN_ENV} in its environment at start."
    return ClientConfig(
        client="claude-code",
        title="Claude Code (command)",
        format="shell",
        path=None,
        content=shlex.join(argv) + "\n",
        contains_secret=token is not None,
        note=note,
    )


def code_project_file(*, base_url: str, name: str) -> ClientConfig:
    # A project's .mcp.json is meant to be committed, so it never carries the token.
    entry = {
        "type": "http",
        "url": mcp_url(base_url),
        "headers": {"Authorization": f"Bearer ${{{TOKEN_ENV}}}"},
    }
    return ClientConfig(
        client="claude-code-json",
        title="Claude Code (project .mcp.json)",
        format="json",
        path=".mcp.json at the project root",
        content=to_json({"mcpServers": {name: entry}}),
        contains_secret=False,
        note=(
            f"Safe to commit: Claude Code expands ${{{TOKEN_ENV}}} from the environment. "
            "Each user approves the server once when Claude Code first opens the project."
        ),
    )
