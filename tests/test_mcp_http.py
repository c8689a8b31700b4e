"""Against a real ``indicate-mcp serve`` (uvicorn) on 127.0.0.1 over the demo database: the SDK
client in both protocol eras, legacy SSE, raw HTTP abuse, and revocation from the CLI in a
third process biting on every worker of two servers sharing one SQLite file."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.sse import sse_client

from indicate_mcp.authority import issuance
from indicate_mcp.authority.accounts import find_account
from indicate_mcp.authority.model import Actor
from indicate_mcp.db import Database
from mcp_world import CLI, Served, serve, url_client

pytestmark = pytest.mark.slow

TOKEN = re.compile(r"^(ind_agent_\w{12}_\w{38})$", re.M)
SNAPSHOT = "snapshots/mcp_tools_list_member.json"
READER_EMAIL = "reader@alpine-hotels.example"  # the demo's reader of one hotel
CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "list_tenants", "arguments": {}}}  # fmt: skip
HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}


def issue(database: str, email: str, scope: str = "single", name: str = "test") -> tuple[str, str]:
    """A fresh agent token through the services, as the operator would issue it."""

    async def work() -> tuple[str, str]:
        db = Database(database)
        try:
            account = await find_account(db, email)
            issued = await issuance.create_token(
                db,
                Actor.operator(),
                space_id=sorted(account.roles)[0],
                name=name,
                scope=scope,
                account_id=account.id,
                acknowledge_billing=True,
            )
            return issued.secret, issued.token.id
        finally:
            await db.dispose()

    # Its own loop on its own thread: callable from sync tests and from inside async ones.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work()).result()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str, str]]:
    tmp = tmp_path_factory.mktemp("http")
    database = str(tmp / "demo.db")
    with serve(database, tmp) as served:
        match = TOKEN.search(served.output())
        assert match, served.output()
        yield served, database, match.group(1)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_every_data_tool_over_real_http(server: Any, mode: str) -> None:
    served, _database, owner = server
    async with url_client(served.base, owner, mode) as c:
        tenants = (await c.call_tool("list_tenants", {})).structured_content["tenants"]
        assert len(tenants) == 3 and {t["role"] for t in tenants} == {"owner"}
        tenant = tenants[0]["tenant_id"]
        sources = (await c.call_tool("list_data_sources", {"tenant_id": tenant})).structured_content
        assert len(sources["data_sources"]) == 3
        found = (await c.call_tool("list_metrics", {"tenant_id": tenant})).structured_content
        metric = next(m for m in found["metrics"] if m["unit"] == "percent")
        result = await c.call_tool(
            "query_metric",
            {
                "metric_id": metric["id"],
                "tenant_id": tenant,
                "granularity": "month",
                "compare": "previous_year",
            },
        )
        assert not result.is_error, result.content
        assert result.structured_content["series"] and result.structured_content["comparison"]
        health = (await c.call_tool("health_check", {})).structured_content
        assert health["status"] == "ok" and health["caller"]["scope"] == "multi"
        names = {t.name for t in (await c.list_tools()).tools}
        assert {"create_token", "revoke_token"} <= names


async def test_member_tools_list_matches_the_in_process_snapshot(server: Any) -> None:
    served, database, _owner = server
    reader, _ = issue(database, READER_EMAIL)
    snapshot = json.loads(
        (Path(__file__).parent / "snapshots/mcp_tools_list_member.json").read_text()
    )
    for mode in ("legacy", "auto"):
        async with url_client(served.base, reader, mode) as c:
            tools = (await c.list_tools()).tools
        listing = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
        assert listing == snapshot


async def test_legacy_sse(server: Any) -> None:
    served, database, _owner = server
    reader, _ = issue(database, READER_EMAIL, name="n8n sse")
    transport = sse_client(f"{served.base}/sse", headers={"Authorization": f"Bearer {reader}"})
    async with Client(transport, mode="legacy") as c:  # type: ignore[arg-type]
        tenants = (await c.call_tool("list_tenants", {})).structured_content["tenants"]
        assert [t["role"] for t in tenants] == ["reader"]
        assert {t.name for t in (await c.list_tools()).tools} == {
            "list_tenants", "list_data_sources", "list_metrics", "query_metric", "health_check"
        }  # fmt: skip
    async with httpx2.AsyncClient() as h:
        assert (await h.get(f"{served.base}/sse")).status_code == 401


def _raw(base: str, request: bytes) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_huge_and_binary_headers_never_give_500(server: Any) -> None:
    served, _database, _owner = server
    body = json.dumps(CALL).encode()
    for auth in (b"Bearer " + b"a" * 9000, b"Bearer \xff\xfe\x01bin", b"Bearer " + b"a" * 70000):
        request = (
            b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Accept: application/json, text/event-stream\r\nConnection: close\r\n"
            b"Authorization: " + auth + b"\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\n\r\n" + body
        )  # fmt: skip
        status = _raw(served.base, request).split(b" ", 2)[1]
        assert status in (b"400", b"401", b"431"), status
    assert "Traceback" not in served.output()


def test_no_token_reaches_the_log(server: Any) -> None:
    served, _database, owner = server
    httpx2.post(f"{served.base}/mcp?access_token={owner}", json=CALL, headers=HEADERS)
    httpx2.post(
        f"{served.base}/mcp", json=CALL, headers={**HEADERS, "Authorization": f"Bearer {owner}"}
    )
    log = served.output()
    banner_end = log.index("indicate-mcp serving MCP at")
    assert owner not in log[banner_end:]
    assert owner[:-6] not in log[banner_end:]


def _status(base: str, token: str) -> int:
    response = httpx2.post(
        f"{base}/mcp", json=CALL, headers={**HEADERS, "Authorization": f"Bearer {token}"}
    )
    return response.status_code


def test_cli_revocation_bites_on_every_worker_of_two_servers(tmp_path: Path) -> None:
    database = str(tmp_path / "shared.db")
    with serve(database, tmp_path, "--workers", "2") as first:
        owner = TOKEN.search(first.output())
        assert owner
        with serve(database, tmp_path) as second:
            token, token_id = issue(database, READER_EMAIL, name="to revoke")
            for _ in range(10):  # both workers of the first, and the second server
                assert _status(first.base, token) == 200
                assert _status(second.base, token) == 200
            done = subprocess.run(
                [*CLI, "tokens", "revoke", token_id, "--database", database],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            for _ in range(10):
                assert _status(first.base, token) == 401
                assert _status(second.base, token) == 401
            assert _status(first.base, owner.group(1)) == 200
