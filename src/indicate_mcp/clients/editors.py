"""VS Code (``mcp.json`` and install links), Cursor (``mcp.json`` and deeplink), Windsurf."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from indicate_mcp.clients._common import (
    SECRET_NOTE,
    TOKEN_ENV,
    VSCODE_INPUT_ID,
    ClientConfig,
    bearer,
    compact_json,
    mcp_url,
    to_json,
)
from indicate_mcp.errors import InvalidInput

_CURSOR_ENV = f"${{env:{TOKEN_ENV}}}"


def vscode_server(base_url: str) -> dict[str, Any]:
    return {
        "type": "http",
        "url": mcp_url(base_url),
        "headers": {"Authorization": f"Bearer ${{input:{VSCODE_INPUT_ID}}}"},
    }


def vscode_inputs(token: str | None = None) -> list[dict[str, Any]]:
    prompt: dict[str, Any] = {
        "type": "promptString",
        "id": VSCODE_INPUT_ID,
        "description": "Indicate agent token",
        "password": True,
    }
    if token is not None:
        # Pre-fills VS Code's password prompt: the user confirms once and VS Code keeps the
        # value in its secret storage, while the server entry still says ${input:…}.
        prompt["default"] = token
    return [prompt]


def _encode(value: Any) -> str:
    # JavaScript's encodeURIComponent(JSON.stringify(value)), which is what VS Code reverses.
    return quote(compact_json(value), safe="")


def vscode_install_link(
    base_url: str,
    *,
    token: str | None = None,
    insiders: bool = False,
    name: str = "indicate",
    web: bool = False,
) -> str:
    """``vscode:mcp/install?<one JSON object>`` (VS Code percent-decodes it twice, then
    ``JSON.parse``); with ``web``, the https redirect form that web pages and GitHub can link."""
    server = vscode_server(base_url)
    if web:
        if token is not None:
            # The redirect page is a third-party web server: a token would land in its logs.
            raise InvalidInput(
                "the web install link passes through vscode.dev and never carries a token; "
                "leave the token out (VS Code asks for it) or use the vscode: link",
                field="token",
            )
        host = "insiders.vscode.dev" if insiders else "vscode.dev"
        link = (
            f"https://{host}/redirect/mcp/install?name={quote(name, safe='')}"
            f"&inputs={_encode(vscode_inputs())}&config={_encode(server)}"
        )
        return link + ("&quality=insiders" if insiders else "")
    scheme = "vscode-insiders" if insiders else "vscode"
    payload = {"name": name, **server, "inputs": vscode_inputs(token)}
    return f"{scheme}:mcp/install?{_encode(payload)}"


def vscode_file(*, base_url: str, name: str) -> ClientConfig:
    # A workspace file is often committed, so the token always comes from VS Code's own
    # password prompt, stored in its secret storage.
    content = {"servers": {name: vscode_server(base_url)}, "inputs": vscode_inputs()}
    return ClientConfig(
        client="vscode",
        title="VS Code (mcp.json)",
        format="json",
        path=".vscode/mcp.json, or the user mcp.json (command: MCP: Open User Configuration)",
        content=to_json(content),
        contains_secret=False,
        note="VS Code asks for the token once, at first start, and stores it securely. "
        "Needs VS Code 1.101 or later.",
    )


def vscode_link(*, base_url: str, token: str | None, name: str, insiders: bool) -> ClientConfig:
    link = vscode_install_link(base_url, token=token, insiders=insiders, name=name)
    edition = "VS Code Insiders" if insiders else "VS Code"
    note = f"Open this link to install the server in {edition}. "
    note += (
        SECRET_NOTE + " VS Code's token prompt comes pre-filled."
        if token is not None
        else "VS Code asks for the token at first start."
    )
    return ClientConfig(
        client="vscode-insiders-link" if insiders else "vscode-link",
        title=f"{edition} (install link)",
        format="url",
        path=None,
        content=link + "\n",
        contains_secret=token is not None,
        note=note,
    )


def _cursor_server(base_url: str, token: str | None) -> dict[str, Any]:
    # No "type": Cursor tells Streamable HTTP from SSE by itself.
    return {"url": mcp_url(base_url), "headers": {"Authorization": bearer(token, _CURSOR_ENV)}}


def _env_note(token: str | None, client: str) -> str:
    if token is not None:
        return SECRET_NOTE
    return f"{client} expands ${{env:{TOKEN_ENV}}}: set {TOKEN_ENV} where {client} starts."


def cursor_file(*, base_url: str, token: str | None, name: str) -> ClientConfig:
    return ClientConfig(
        client="cursor",
        title="Cursor (mcp.json)",
        format="json",
        path="~/.cursor/mcp.json (all projects) or .cursor/mcp.json (this project)",
        content=to_json({"mcpServers": {name: _cursor_server(base_url, token)}}),
        contains_secret=token is not None,
        note="Needs Cursor 0.48 or later. " + _env_note(token, "Cursor"),
    )


def cursor_install_link(base_url: str, *, token: str | None = None, name: str = "indicate") -> str:
    config = base64.b64encode(compact_json(_cursor_server(base_url, token)).encode()).decode()
    # Percent-encoded so that '+', '/' and '=' of the base64 survive the query string.
    return (
        "cursor://anysphere.cursor-deeplink/mcp/install"
        f"?name={quote(name, safe='')}&config={quote(config, safe='')}"
    )


def cursor_link(*, base_url: str, token: str | None, name: str) -> ClientConfig:
    return ClientConfig(
        client="cursor-link",
        title="Cursor (install link)",
        format="url",
        path=None,
        content=cursor_install_link(base_url, token=token, name=name) + "\n",
        contains_secret=token is not None,
        note="Open this link to install the server in Cursor. " + _env_note(token, "Cursor"),
    )


def windsurf_file(*, base_url: str, token: str | None, name: str) -> ClientConfig:
    # "serverUrl", not "url": some Windsurf versions ignored a Cursor-style "url".
    entry = {
        "serverUrl": mcp_url(base_url),
        "headers": {"Authorization": bearer(token, _CURSOR_ENV)},
    }
    return ClientConfig(
        client="windsurf",
        title="Windsurf (mcp_config.json)",
        format="json",
        path="~/.codeium/windsurf/mcp_config.json",
        content=to_json({"mcpServers": {name: entry}}),
        contains_secret=token is not None,
        note="Press Refresh in Windsurf's MCP panel after saving. " + _env_note(token, "Windsurf"),
    )
