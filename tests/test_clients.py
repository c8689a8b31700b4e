"""Client configs: each one parses as its client would read it, carries the public URL, and
carries the secret only when it was given; the install links decode to the same config."""

from __future__ import annotations

import ast
import base64
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from indicate_mcp import clients
from indicate_mcp.authority.tokens import mint
from indicate_mcp.clients import CLIENTS, ClientConfig, build_config, vscode_install_link
from indicate_mcp.errors import InvalidInput

BASE = "https://mcp.example.com/indicate"
TOKEN = mint("agent").plaintext
ROOT = Path(__file__).resolve().parent.parent


def vscode_decode(link: str) -> dict[str, Any]:
    """What VS Code does: URI.parse decodes the query once, the handler once more, then
    JSON.parse (mcpWorkbenchService.handleMcpInstallUri)."""
    scheme, _, rest = link.partition(":")
    assert scheme in ("vscode", "vscode-insiders")
    path, _, query = rest.partition("?")
    assert path == "mcp/install"
    parsed: dict[str, Any] = json.loads(unquote(unquote(query)))
    return parsed


def cursor_decode(link: str) -> tuple[str, dict[str, Any]]:
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "cursor",
        "anysphere.cursor-deeplink",
        "/mcp/install",
    )
    query = parse_qs(parts.query, strict_parsing=True)
    return query["name"][0], json.loads(base64.b64decode(query["config"][0], validate=True))


def readable(config: ClientConfig) -> str:
    """The content as the client ends up reading it (links decoded)."""
    if config.client.startswith("vscode") and config.format == "url":
        return json.dumps(vscode_decode(config.content.strip()))
    if config.client == "cursor-link":
        return json.dumps(cursor_decode(config.content.strip()))
    return config.content


def parse(config: ClientConfig) -> Any:
    match config.format:
        case "json":
            return json.loads(config.content)
        case "python":
            return ast.parse(config.content)
        case "shell":
            return shlex.split(config.content)
        case "url":
            return readable(config)
        case _:
            return config.content


@pytest.mark.parametrize("token", [None, TOKEN], ids=["later", "at-creation"])
@pytest.mark.parametrize("client", CLIENTS)
def test_every_config_parses_and_carries_url_and_secret_only_when_given(
    client: str, token: str | None
) -> None:
    config = build_config(client, base_url=BASE, token=token)
    assert config.client == client
    parse(config)
    text = readable(config)
    if client != "claude-desktop":  # stdio: no URL, it runs the server locally
        assert f"{BASE}/mcp" in text or f"{BASE}/sse" in text
    assert "127.0.0.1" not in text
    assert (TOKEN in text) is config.contains_secret
    if token is None:
        assert not config.contains_secret
    if config.contains_secret:
        assert "store it like a password" in config.note
    # Nothing a user could mistake for a value that works.
    assert not re.search(r"<[^>]*token[^>]*>|YOUR_|xxx", text, re.IGNORECASE)


@pytest.mark.parametrize("client", CLIENTS)
def test_without_a_token_the_secret_comes_from_a_prompt_or_the_environment(client: str) -> None:
    config = build_config(client, base_url=BASE, token=None)
    text = readable(config)
    sources = ("${input:indicate_agent_token}", "INDICATE_AGENT_TOKEN", "AUTH_HEADER")
    if client != "n8n":  # n8n keeps it in its own credential store; the text says where
        assert any(s in text or s in config.note for s in sources)


def test_shared_files_never_carry_the_token() -> None:
    for client in ("claude-code-json", "vscode", "langchain", "openai-agents"):
        config = build_config(client, base_url=BASE, token=TOKEN)
        assert TOKEN not in config.content
        assert not config.contains_secret


def test_vscode_link_decodes_to_the_mcp_json_entry() -> None:
    file = json.loads(build_config("vscode", base_url=BASE, token=None).content)
    for insiders in (False, True):
        link = vscode_install_link(BASE, insiders=insiders)
        assert link.startswith(
            "vscode-insiders:mcp/install?" if insiders else "vscode:mcp/install?"
        )
        decoded = vscode_decode(link)
        name, inputs = decoded.pop("name"), decoded.pop("inputs")
        assert {name: decoded} == file["servers"]
        assert inputs == file["inputs"]
        assert inputs[0]["password"] is True


def test_vscode_link_with_token_prefills_the_password_prompt_only() -> None:
    file = json.loads(build_config("vscode", base_url=BASE, token=None).content)
    decoded = vscode_decode(vscode_install_link(BASE, token=TOKEN))
    inputs = decoded.pop("inputs")
    assert {decoded.pop("name"): decoded} == file["servers"]
    assert inputs == [{**file["inputs"][0], "default": TOKEN}]


def test_vscode_web_link_carries_the_same_config_and_never_a_token() -> None:
    file = json.loads(build_config("vscode", base_url=BASE, token=None).content)
    for insiders, host in ((False, "vscode.dev"), (True, "insiders.vscode.dev")):
        link = vscode_install_link(BASE, insiders=insiders, web=True)
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc, parts.path) == (
            "https",
            host,
            "/redirect/mcp/install",
        )
        query = parse_qs(parts.query, strict_parsing=True)
        assert {query["name"][0]: json.loads(query["config"][0])} == file["servers"]
        assert json.loads(query["inputs"][0]) == file["inputs"]
        assert ("quality" in query) is insiders
    with pytest.raises(InvalidInput, match=r"vscode\.dev"):
        vscode_install_link(BASE, token=TOKEN, web=True)


def test_cursor_link_decodes_to_the_mcp_json_entry() -> None:
    for token in (None, TOKEN):
        file = json.loads(build_config("cursor", base_url=BASE, token=token).content)
        name, config = cursor_decode(
            build_config("cursor-link", base_url=BASE, token=token).content
        )
        assert {name: config} == file["mcpServers"]


def test_claude_desktop_remote_uses_the_space_free_header_and_env() -> None:
    later = json.loads(build_config("claude-desktop-remote", base_url=BASE, token=None).content)
    entry = later["mcpServers"]["indicate"]
    assert entry["command"] == "npx"
    assert entry["args"] == [
        "-y",
        clients.MCP_REMOTE,
        f"{BASE}/mcp",
        "--header",
        "Authorization:${AUTH_HEADER}",
    ]
    assert "env" not in entry
    assert not any(" " in arg for arg in entry["args"])
    now = json.loads(build_config("claude-desktop-remote", base_url=BASE, token=TOKEN).content)
    assert now["mcpServers"]["indicate"]["env"] == {"AUTH_HEADER": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    ("base", "allow_http"),
    [
        ("http://127.0.0.1:8000", False),
        ("http://localhost:8000", False),
        ("https://mcp.example.com", False),
        ("http://10.1.2.3:8000", True),
    ],
)
def test_mcp_remote_needs_allow_http_only_off_loopback(base: str, allow_http: bool) -> None:
    entry = json.loads(build_config("claude-desktop-remote", base_url=base, token=None).content)
    assert ("--allow-http" in entry["mcpServers"]["indicate"]["args"]) is allow_http


def test_claude_desktop_stdio_runs_the_stdio_command() -> None:
    config = build_config("claude-desktop", base_url=BASE, token=TOKEN, database="/srv/i.db")
    entry = json.loads(config.content)["mcpServers"]["indicate"]
    assert entry == {
        "command": "indicate-mcp",
        "args": ["stdio", "--database", "/srv/i.db"],
        "env": {"INDICATE_AGENT_TOKEN": TOKEN},
    }
    later = json.loads(build_config("claude-desktop", base_url=BASE, token=None).content)
    assert later["mcpServers"]["indicate"] == {"command": "indicate-mcp", "args": ["stdio"]}


def test_claude_code_command_defers_expansion_to_claude_code() -> None:
    argv = shlex.split(build_config("claude-code", base_url=BASE, token=None).content)
    assert argv == [
        "claude", "mcp", "add", "--transport", "http", "indicate", f"{BASE}/mcp",
        "--header", "Authorization: Bearer ${INDICATE_AGENT_TOKEN}",
    ]  # fmt: skip
    argv = shlex.split(build_config("claude-code", base_url=BASE, token=TOKEN).content)
    assert argv[-1] == f"Authorization: Bearer {TOKEN}"


def test_windsurf_uses_server_url_and_n8n_names_both_endpoints() -> None:
    windsurf = json.loads(build_config("windsurf", base_url=BASE, token=None).content)
    assert windsurf["mcpServers"]["indicate"]["serverUrl"] == f"{BASE}/mcp"
    n8n = build_config("n8n", base_url=BASE, token=None).content
    assert "HTTP Streamable" in n8n
    assert "Bearer Auth" in n8n
    assert f"{BASE}/sse" in n8n


def test_python_snippets_use_the_client_classes() -> None:
    lc = build_config("langchain", base_url=BASE, token=None).content
    oa = build_config("openai-agents", base_url=BASE, token=None).content
    assert "MultiServerMCPClient" in lc
    assert '"transport": "streamable_http"' in lc
    assert "MCPServerStreamableHttp" in oa
    for code in (lc, oa):
        assert "os.environ['INDICATE_AGENT_TOKEN']" in code


def test_name_flows_into_every_config() -> None:
    for config in clients.all_configs(BASE, None, name="hotelData"):
        if config.client != "n8n":
            assert "hotelData" in readable(config), config.client


def test_all_configs_follows_clients_order() -> None:
    assert [c.client for c in clients.all_configs(BASE, TOKEN)] == list(CLIENTS)


def test_mcp_url() -> None:
    assert clients.mcp_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000/mcp"
    assert clients.mcp_url("https://h.example/base") == "https://h.example/base/mcp"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"client": "claude"}, "client"),
        ({"base_url": "ftp://x"}, "base_url"),
        ({"base_url": "127.0.0.1:8000"}, "base_url"),
        ({"base_url": "https://h.example/a%20b"}, "base_url"),
        ({"name": "my server"}, "name"),
        ({"name": "1st"}, "name"),
        ({"token": "ind_agent_short"}, "token"),
        ({"token": TOKEN[:-1] + ("A" if TOKEN[-1] != "A" else "B")}, "token"),
        ({"token": mint("api").plaintext}, "token"),
    ],
)
def test_invalid_input_says_what_is_valid(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"client": "vscode", "base_url": BASE, "token": None, **kwargs}
    client = args.pop("client")
    with pytest.raises(InvalidInput) as caught:
        build_config(client, **args)
    assert caught.value.field == field
    if field == "client":
        assert all(c in caught.value.message for c in CLIENTS)
    if field == "token":
        assert TOKEN not in caught.value.message


def test_examples_match_the_generator() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    examples = json.loads((ROOT / "examples" / "mcp.json").read_text())
    assert examples["mcpServers"]["indicate"]["headers"]["Authorization"] == (
        "Bearer ${INDICATE_AGENT_TOKEN}"
    )


def test_connect_clients_doc_blocks_parse_and_snippets_match_the_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    doc = readme.split("## Connect your client", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w+)\n(.*?)```", doc, re.DOTALL)
    languages = [lang for lang, _ in blocks]
    assert languages.count("json") >= 6
    for lang, body in blocks:
        if lang == "json":
            json.loads(body)
        elif lang == "python":
            ast.parse(body)
    python = [body for lang, body in blocks if lang == "python"]
    for client in ("langchain", "openai-agents"):
        assert build_config(client, base_url="http://127.0.0.1:8000", token=None).content in python
