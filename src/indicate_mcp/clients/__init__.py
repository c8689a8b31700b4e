"""Ready-to-paste configuration for each MCP client, and install links.

Pure functions, no I/O. The public URL is a parameter (callers pass ``Settings.base_url``);
the token is given only at creation or regeneration, when it exists in plaintext. Without it,
every config names the client's own secret prompt or an environment variable, never a
placeholder that would fail without saying why.
"""

from __future__ import annotations

from indicate_mcp.clients import claude, editors, frameworks
from indicate_mcp.clients._common import (
    HEADER_ENV,
    MCP_REMOTE,
    TOKEN_ENV,
    VSCODE_INPUT_ID,
    ClientConfig,
    check_base_url,
    check_name,
    check_token,
    mcp_url,
    sse_url,
)
from indicate_mcp.clients.editors import cursor_install_link, vscode_install_link
from indicate_mcp.errors import InvalidInput

__all__ = [
    "CLIENTS",
    "HEADER_ENV",
    "MCP_REMOTE",
    "TOKEN_ENV",
    "VSCODE_INPUT_ID",
    "ClientConfig",
    "all_configs",
    "build_config",
    "cursor_install_link",
    "mcp_url",
    "sse_url",
    "vscode_install_link",
]

CLIENTS: tuple[str, ...] = (
    "claude-desktop",
    "claude-desktop-remote",
    "claude-code",
    "claude-code-json",
    "vscode",
    "vscode-link",
    "vscode-insiders-link",
    "cursor",
    "cursor-link",
    "windsurf",
    "n8n",
    "langchain",
    "openai-agents",
)


def build_config(
    client: str,
    *,
    base_url: str,
    token: str | None,
    name: str = "indicate",
    database: str | None = None,
) -> ClientConfig:
    """One client's config. ``database`` (an absolute SQLite path) goes into the stdio config,
    whose server runs in the client's working directory, not ours."""
    if client not in CLIENTS:
        raise InvalidInput(
            f"unknown client {client!r}; valid clients: {', '.join(CLIENTS)}", field="client"
        )
    url, tok, name = check_base_url(base_url), check_token(token), check_name(name)
    match client:
        case "claude-desktop":
            return claude.desktop_stdio(token=tok, name=name, database=database)
        case "claude-desktop-remote":
            return claude.desktop_remote(base_url=url, token=tok, name=name)
        case "claude-code":
            return claude.code_command(base_url=url, token=tok, name=name)
        case "claude-code-json":
            return claude.code_project_file(base_url=url, name=name)
        case "vscode":
            return editors.vscode_file(base_url=url, name=name)
        case "vscode-link" | "vscode-insiders-link":
            insiders = client == "vscode-insiders-link"
            return editors.vscode_link(base_url=url, token=tok, name=name, insiders=insiders)
        case "cursor":
            return editors.cursor_file(base_url=url, token=tok, name=name)
        case "cursor-link":
            return editors.cursor_link(base_url=url, token=tok, name=name)
        case "windsurf":
            return editors.windsurf_file(base_url=url, token=tok, name=name)
        case "n8n":
            return frameworks.n8n_settings(base_url=url, token=tok)
        case "langchain":
            return frameworks.langchain_snippet(base_url=url, name=name)
        case _:
            return frameworks.openai_agents_snippet(base_url=url, name=name)


def all_configs(
    base_url: str,
    token: str | None,
    name: str = "indicate",
    *,
    database: str | None = None,
) -> list[ClientConfig]:
    return [
        build_config(c, base_url=base_url, token=token, name=name, database=database)
        for c in CLIENTS
    ]
