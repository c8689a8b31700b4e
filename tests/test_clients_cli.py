"""``tokens mcp-json`` and ``tokens vscode-link`` on the real app and a real database."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indicate_mcp.authority import accounts, issuance, memberships
from indicate_mcp.authority.bootstrap import initialise
from indicate_mcp.authority.model import Actor
from indicate_mcp.cli import app
from indicate_mcp.clients import CLIENTS, build_config, vscode_install_link
from indicate_mcp.db import Database

runner = CliRunner()
OPERATOR = Actor.operator()


@dataclass
class Setup:
    url: str
    token_id: str
    secret: str
    api_token_id: str
    reader_email: str


async def _setup(url: str) -> Setup:
    db = Database(url)
    try:
        boot = await initialise(
            db,
            org_name="Acme Hotels",
            plan="enterprise",
            space_name="Lakeside",
            owner_name="Ann Owner",
            owner_email="ann@example.com",
        )
        reader = await accounts.create_member(
            db, OPERATOR, org_id=boot.org.id, name="Rita Reader", email="rita@example.com"
        )
        await memberships.add_member(
            db, OPERATOR, space_id=boot.space.id, account_id=reader.id, role="reader"
        )
        api = await issuance.create_token(
            db, OPERATOR, space_id=boot.space.id, name="BI", kind="api", account_id=boot.owner.id
        )
        return Setup(url, boot.token.token.id, boot.token.secret, api.token.id, "rita@example.com")
    finally:
        await db.dispose()


@pytest.fixture
def setup(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Setup:
    for var in ("INDICATE_PUBLIC_URL", "INDICATE_HOST", "INDICATE_PORT", "INDICATE_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return asyncio.run(_setup(db_url))


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_mcp_json_prints_one_client_bare(setup: Setup) -> None:
    code, out, err = invoke(
        "tokens", "mcp-json", setup.token_id, "--client", "vscode", "--database", setup.url,
        "--public-url", "https://mcp.example.com",
    )  # fmt: skip
    assert code == 0, err
    assert out == build_config("vscode", base_url="https://mcp.example.com", token=None).content
    assert "asks for the token" in err
    assert setup.secret not in out + err


def test_mcp_json_defaults_to_settings_base_url(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INDICATE_PORT", "9123")
    code, out, _ = invoke(
        "tokens", "mcp-json", setup.token_id, "--client", "cursor", "--database", setup.url
    )
    assert code == 0
    assert json.loads(out)["mcpServers"]["indicate"]["url"] == "http://127.0.0.1:9123/mcp"


def test_mcp_json_all_clients_as_json(setup: Setup) -> None:
    code, out, err = invoke("tokens", "mcp-json", setup.token_id, "--json", "--database", setup.url)
    assert code == 0, err
    configs = json.loads(out)
    assert [c["client"] for c in configs] == list(CLIENTS)
    assert not any(c["contains_secret"] for c in configs)
    assert setup.secret not in out


def test_mcp_json_stdio_config_names_the_database_file(setup: Setup) -> None:
    code, out, _ = invoke(
        "tokens", "mcp-json", setup.token_id, "--client", "claude-desktop", "-d", setup.url
    )
    assert code == 0
    args = json.loads(out)["mcpServers"]["indicate"]["args"]
    if "://" in setup.url:  # PostgreSQL: the URL may hold a password, so it stays out
        assert args == ["stdio"]
    else:
        assert args == ["stdio", "--database", str(Path(setup.url).resolve())]


def test_mcp_json_all_clients_as_text(setup: Setup) -> None:
    code, out, _ = invoke("tokens", "mcp-json", setup.token_id, "--database", setup.url)
    assert code == 0
    for client in CLIENTS:
        assert f"({client})" in out


def test_vscode_link_forms(setup: Setup) -> None:
    base = "http://127.0.0.1:8000"
    for flags, kwargs in (
        ((), {}),
        (("--insiders",), {"insiders": True}),
        (("--web",), {"web": True}),
        (("--web", "--insiders"), {"web": True, "insiders": True}),
    ):
        code, out, err = invoke(
            "tokens", "vscode-link", setup.token_id, *flags, "-d", setup.url, "--public-url", base
        )
        assert code == 0, err
        assert out.strip() == vscode_install_link(base, **kwargs)  # type: ignore[arg-type]


def test_vscode_link_json(setup: Setup) -> None:
    code, out, _ = invoke("tokens", "vscode-link", setup.token_id, "--json", "-d", setup.url)
    assert code == 0
    assert json.loads(out)["link"].startswith("vscode:mcp/install?")


def test_unknown_client_lists_valid_ones(setup: Setup) -> None:
    code, _, err = invoke(
        "tokens", "mcp-json", setup.token_id, "--client", "claude", "-d", setup.url
    )
    assert code == 2
    assert "claude-desktop" in err
    assert "openai-agents" in err


def test_unknown_token(setup: Setup) -> None:
    code, _, err = invoke("tokens", "vscode-link", "AAAAAAAAAAAA", "-d", setup.url)
    assert code == 3
    assert "tokens list" in err


def test_api_token_is_refused(setup: Setup) -> None:
    code, _, err = invoke("tokens", "mcp-json", setup.api_token_id, "-d", setup.url)
    assert code == 2
    assert "agent token" in err


def test_revoked_and_regenerated_tokens_are_refused(setup: Setup) -> None:
    assert invoke("tokens", "regenerate", setup.token_id, "--json", "-d", setup.url)[0] == 0
    code, _, err = invoke("tokens", "vscode-link", setup.token_id, "-d", setup.url)
    assert code == 5
    assert "regenerated" in err
    assert "replacement" in err


def test_reader_may_not_see_the_token(setup: Setup) -> None:
    code, _, err = invoke(
        "tokens", "mcp-json", setup.token_id, "-d", setup.url, "--as", setup.reader_email
    )
    assert code == 4, err
    code, _, _ = invoke(
        "tokens", "vscode-link", setup.token_id, "-d", setup.url, "--as", "ann@example.com"
    )
    assert code == 0


def test_bad_public_url(setup: Setup) -> None:
    code, _, err = invoke(
        "tokens", "vscode-link", setup.token_id, "-d", setup.url, "--public-url", "mcp.example.com"
    )
    assert code == 2
    assert "https://" in err
