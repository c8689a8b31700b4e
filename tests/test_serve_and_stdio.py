"""``indicate-mcp serve`` (first-start banner once, URL only afterwards, --no-demo hint, clean
SIGTERM with usage flushed) and ``indicate-mcp stdio`` (token verified before MCP, re-checked
on every call)."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from indicate_mcp.authority import issuance
from indicate_mcp.authority.model import Actor
from indicate_mcp.db import Database
from live_process import stop
from mcp_world import CLI, serve, url_client

pytestmark = pytest.mark.slow

TOKEN = re.compile(r"^(ind_agent_(\w{12})_\w{38})$", re.M)


def test_first_start_prints_the_token_once_then_only_the_url(tmp_path: Path) -> None:
    database = str(tmp_path / "demo.db")
    with serve(database, tmp_path) as first:
        pass
    output = first.output()
    tokens = TOKEN.findall(output)
    assert len(tokens) == 1, output
    assert "claude mcp add --transport http" in output and '"servers"' in output
    assert f"serving MCP at {first.base}/mcp" in output
    # uvicorn re-raises SIGTERM after its graceful shutdown, so -15 is a clean exit too.
    assert first.proc.returncode in (0, -15)
    assert "Application shutdown complete" in output and "Traceback" not in output
    with serve(database, tmp_path) as second:
        pass
    assert not TOKEN.search(second.output()) and "Copy it now" not in second.output()
    assert f"serving MCP at {second.base}/mcp" in second.output()


def test_no_demo_on_an_empty_database_says_how_to_init(tmp_path: Path) -> None:
    with serve(str(tmp_path / "empty.db"), tmp_path, "--no-demo") as served:
        pass
    assert "indicate-mcp init" in served.output() and not TOKEN.search(served.output())


async def test_shutdown_flushes_last_used(tmp_path: Path) -> None:
    database = str(tmp_path / "demo.db")
    with serve(database, tmp_path) as served:
        match = TOKEN.search(served.output())
        assert match
        async with url_client(served.base, match.group(1)) as c:
            await c.call_tool("list_tenants", {})
        stop(served.proc)  # before the flusher's 5-second tick: only shutdown can have written
    with sqlite3.connect(database) as conn:
        (used,) = conn.execute(
            "SELECT last_used_at FROM tokens WHERE id = ?", (match.group(2),)
        ).fetchone()
    assert used is not None


def _stdio(database: str, token: str | None) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if k != "INDICATE_AGENT_TOKEN"}
    if token is not None:
        env["INDICATE_AGENT_TOKEN"] = token
    return StdioServerParameters(command=CLI[0], args=["stdio", "--database", database], env=env)


def _demo_token(tmp_path: Path) -> tuple[str, str, str]:
    database = str(tmp_path / "demo.db")
    with serve(database, tmp_path) as served:
        match = TOKEN.search(served.output())
    assert match
    return database, match.group(1), match.group(2)


async def test_stdio_serves_the_same_tools_and_rechecks_the_token(tmp_path: Path) -> None:
    database, token, token_id = _demo_token(tmp_path)
    async with Client(_stdio(database, token), mode="legacy") as c:
        tenants = (await c.call_tool("list_tenants", {})).structured_content["tenants"]
        assert len(tenants) == 3
        assert "create_token" in {t.name for t in (await c.list_tools()).tools}
        db = Database(database)
        try:
            await issuance.revoke_token(db, Actor.operator(), token_id)
        finally:
            await db.dispose()
        refused = await c.call_tool("list_tenants", {})
        assert refused.is_error and "not accepted" in refused.content[0].text
        assert "revoked" not in refused.content[0].text


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "INDICATE_AGENT_TOKEN is not set"),
        ("ind_agent_AAAAAAAAAAAA_" + "B" * 38, "was not accepted"),
    ],
)
def test_stdio_refuses_to_start_without_a_good_token(
    tmp_path: Path, token: str | None, message: str
) -> None:
    params = _stdio(str(tmp_path / "any.db"), token)
    done = subprocess.run(
        [params.command, *params.args],
        env=params.env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert message in " ".join(done.stderr.split()), done.stderr
    assert done.stdout == ""


def test_stdio_names_the_right_kind_for_an_api_token(tmp_path: Path) -> None:
    database, _token, _ = _demo_token(tmp_path)

    async def api_token() -> str:
        db = Database(database)
        try:
            from indicate_mcp.authority.accounts import find_account

            owner = await find_account(db, "owner@alpine-hotels.example")
            issued = await issuance.create_token(
                db,
                Actor.operator(),
                space_id=sorted(owner.roles)[0],
                name="api",
                kind="api",
                account_id=owner.id,
            )
            return issued.secret
        finally:
            await db.dispose()

    params = _stdio(database, asyncio.run(api_token()))
    done = subprocess.run(
        [params.command, *params.args],
        env=params.env,
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0 and "agent token" in done.stderr
