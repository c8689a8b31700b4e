"""What every client's config shares: the model, the URL rules and the secret rules.

Where the token goes is decided per client by who is likely to read the file afterwards:
private, per-user configs (Claude Desktop, Cursor, Windsurf, ``claude mcp add``, n8n's
credential) carry the token when it is given; files that tend to be committed or shared
(``.mcp.json``, ``.vscode/mcp.json``, Python code) never do, and read it from the client's
own secret prompt or from an environment variable instead.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from indicate_mcp.authority import tokens
from indicate_mcp.errors import AuthenticationFailed, InvalidInput

Format = Literal["json", "shell", "python", "text", "url"]

TOKEN_ENV = "INDICATE_AGENT_TOKEN"  # noqa: S105 - a variable name, not a secret
HEADER_ENV = "AUTH_HEADER"
VSCODE_INPUT_ID = "indicate_agent_token"
# Pinned: `npx -y` runs whatever it fetches, so the config names the version that was tested.
MCP_REMOTE = "mcp-remote@0.15.1"

SECRET_NOTE = "Contains the token — store it like a password."  # noqa: S105 - prose
# VS Code's documented name rule; the same name is a shell word and a Python dict key, so one
# rule keeps every config valid.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


class ClientConfig(BaseModel):
    """One ready-to-paste configuration for one client."""

    model_config = ConfigDict(frozen=True)

    client: str
    title: str
    format: Format
    path: str | None
    content: str
    contains_secret: bool
    note: str


def mcp_url(base_url: str) -> str:
    return check_base_url(base_url) + "/mcp"


def sse_url(base_url: str) -> str:
    return check_base_url(base_url) + "/sse"


def check_base_url(base_url: str) -> str:
    url = base_url.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        raise InvalidInput(
            f"public URL {base_url!r} is not an http:// or https:// base URL "
            "such as https://mcp.example.com or http://127.0.0.1:8000",
            field="base_url",
        )
    if "%" in url:
        # The VS Code install link is percent-decoded twice, so an escape in the URL would be
        # corrupted; refusing it here keeps every client's config the same URL.
        raise InvalidInput(
            f"public URL {base_url!r} contains '%'; use the unescaped form", field="base_url"
        )
    return url


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidInput(
            f"server name {name!r} must start with a letter and contain only letters, digits, "
            "'_' and '-' (at most 64), e.g. 'indicate'",
            field="name",
        )
    return name


def check_token(token: str | None) -> str | None:
    if token is None:
        return None
    try:
        parsed = tokens.parse(token)
    except AuthenticationFailed:
        raise InvalidInput(
            "the token is not an agent token (ind_agent_<12 characters>_<38 characters>)",
            field="token",
        ) from None
    if parsed.kind != "agent":
        raise InvalidInput(
            "MCP clients need an agent token; API tokens only work on the REST API", field="token"
        )
    return token


def bearer(token: str | None, placeholder: str) -> str:
    return f"Bearer {token if token is not None else placeholder}"


def to_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
