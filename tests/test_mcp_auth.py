"""The bearer gate and isolation, in-process on both databases: every refusal is generic, no
refusal leaks data or a reason, and every change to a token or membership bites on the very
next request."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import pytest
from mcp import MCPError

from authority_world import OPERATOR
from indicate_mcp.authority import accounts, issuance, memberships
from mcp_world import McpWorld, client, http, running_app, seed

REASON_WORDS = ("revoked", "regenerated", "deleted", "expired", "unknown", "checksum", "malformed")
CALL = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "list_tenants", "arguments": {}},
}
MCP_HEADERS = {
    "Accept": "application/json, text/event-stream",
    "MCP-Protocol-Version": "2025-11-25",
}


@asynccontextmanager
async def world_app(db_url: str, **settings: Any) -> AsyncIterator[tuple[Any, Any, McpWorld]]:
    async with running_app(db_url, **settings) as (app, context):
        yield app, context, await seed(context)


async def post(app: Any, authorization: str | bytes | None, path: str = "/mcp") -> Any:
    headers: dict[str, Any] = dict(MCP_HEADERS)
    if authorization is not None:
        headers["Authorization"] = authorization
    async with http(app) as h:
        return await h.post(path, headers=headers, json=CALL)


async def refused_call(c: Any) -> None:
    """The SDK client reports the HTTP 401 as a protocol error; the raw 401 is checked above."""
    with pytest.raises((MCPError, httpx2.HTTPStatusError)):
        await c.call_tool("list_tenants", {})


def assert_no_leak(response: Any, *secrets: str) -> None:
    text = (response.text + json.dumps(dict(response.headers))).lower()
    for word in REASON_WORDS:
        assert word not in text, f"{word!r} leaked in {response.status_code}: {text}"
    for secret in secrets:
        assert secret.lower() not in text
    assert "mountain resort" not in text


def assert_refused(response: Any, *secrets: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "resource_metadata" not in response.headers["www-authenticate"]
    assert_no_leak(response, *secrets)


async def test_missing_and_wrong_scheme_get_a_bare_challenge(db_url: str) -> None:
    async with world_app(db_url) as (app, _, w):
        for header in (None, f"Basic {w.reader}", f"Token {w.reader}", ""):
            response = await post(app, header)
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"  # RFC 6750 §3.1: no error
            assert_no_leak(response, w.reader)
        async with http(app) as h:  # a query-string token is not a credential here
            response = await h.post(f"/mcp?access_token={w.reader}", headers=MCP_HEADERS, json=CALL)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
        assert_no_leak(response, w.reader)


async def test_scheme_is_case_insensitive(db_url: str) -> None:
    async with world_app(db_url) as (app, _, w):
        for scheme in ("bearer", "BEARER", "Bearer"):
            response = await post(app, f"{scheme} {w.reader}")
            assert response.status_code == 200, response.text


async def test_refused_tokens_all_look_the_same(db_url: str) -> None:
    async with world_app(db_url) as (app, _, w):
        world = w.world
        good = w.reader
        bad_checksum = good[:-1] + ("A" if good[-1] != "A" else "B")
        unknown = "ind_agent_AAAAAAAAAAAA_" + "B" * 38
        regenerated = await world.agent_token(world.user, name="to regenerate")
        await issuance.regenerate_token(world.db, OPERATOR, regenerated.token.id)
        revoked = await world.agent_token(world.user, name="to revoke")
        await issuance.revoke_token(world.db, OPERATOR, revoked.token.id)
        bot = await world.agent_token(world.bot, name="bot")
        await accounts.delete_account(world.db, OPERATOR, world.bot.id)
        cases = {
            "malformed": "Bearer not-a-token",
            "empty bearer": "Bearer ",
            "two words": f"Bearer {good} extra",
            "bad checksum": f"Bearer {bad_checksum}",
            "unknown": f"Bearer {unknown}",
            "old regenerated": f"Bearer {regenerated.secret}",
            "revoked": f"Bearer {revoked.secret}",
            "deleted account": f"Bearer {bot.secret}",
        }
        bodies = set()
        for header in cases.values():
            response = await post(app, header)
            assert_refused(response, regenerated.secret, revoked.secret, bot.secret)
            bodies.add(response.text)
        assert len(bodies) == 1, f"refusals differ: {bodies}"


async def test_api_token_gets_403_naming_the_agent_token(db_url: str) -> None:
    async with world_app(db_url) as (app, _, w):
        response = await post(app, f"Bearer {w.api}")
        assert response.status_code == 403
        assert "agent token" in response.json()["error_description"]
        assert_no_leak(response, w.api)


async def test_huge_binary_and_duplicate_headers_are_clean_400s(db_url: str) -> None:
    async with world_app(db_url) as (app, _, w):
        for header in ("Bearer " + "a" * 9000, b"Bearer \xff\xfe\x00binary", b"Bearer caf\xc3\xa9"):
            response = await post(app, header)
            assert response.status_code == 400, response.text
            assert response.headers["www-authenticate"] == 'Bearer error="invalid_request"'
            assert_no_leak(response)
        async with http(app) as h:
            response = await h.post(
                "/mcp",
                headers=[
                    *MCP_HEADERS.items(),
                    ("Authorization", f"Bearer {w.reader}"),
                    ("Authorization", f"Bearer {w.admin}"),
                ],
                json=CALL,
            )
        assert response.status_code == 400


async def test_sse_endpoints_are_gated_too(db_url: str) -> None:
    async with world_app(db_url) as (app, _, _w), http(app) as h:
        assert (await h.get("/sse")).status_code == 401
        response = await h.post("/messages/?session_id=" + "0" * 32, json=CALL)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


async def test_discovery_probes_get_404_and_probes_stay_open(db_url: str) -> None:
    async with world_app(db_url) as (app, _, _w), http(app) as h:
        for path in (
            "/.well-known/oauth-protected-resource/mcp",
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-authorization-server",
            "/.well-known/openid-configuration",
        ):
            assert (await h.get(path)).status_code == 404
        assert (await h.post("/register", json={})).status_code in (404, 405)
        assert (await h.get("/healthz")).json() == {"status": "ok"}
        ready = await h.get("/readyz")
        assert ready.status_code == 200 and ready.json()["database"] == "ok"


async def test_single_space_token_cannot_reach_another_space(db_url: str) -> None:
    async with world_app(db_url) as (app, _, w), client(app, w.admin) as c:
        lake = w.world.lake.id  # Adam is a reader there, but this token is single-space
        refused = await c.call_tool("list_metrics", {"tenant_id": lake})
        assert refused.is_error and "not reachable" in refused.content[0].text
        other = await c.call_tool("list_metrics", {"tenant_id": w.world.outsider_space.id})
        assert other.is_error and "Elsewhere" not in other.content[0].text


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_changes_bite_on_the_next_call(db_url: str, mode: str) -> None:
    async with world_app(db_url) as (app, _, w):
        world = w.world
        db = world.db
        multi = await world.agent_token(world.admin, scope="multi", name="multi")
        async with client(app, multi.secret, mode) as c:
            before = (await c.call_tool("list_tenants", {})).structured_content
            assert {t["tenant_id"] for t in before["tenants"]} == {world.hotel.id, world.lake.id}
            await memberships.remove_member(
                db, OPERATOR, space_id=world.lake.id, account_id=world.admin.id
            )
            after = (await c.call_tool("list_tenants", {})).structured_content
            assert {t["tenant_id"] for t in after["tenants"]} == {world.hotel.id}
            await memberships.change_role(
                db, OPERATOR, space_id=world.hotel.id, account_id=world.admin.id, role="reader"
            )
            assert "list_tokens" not in {t.name for t in (await c.list_tools()).tools}
            await issuance.revoke_token(db, OPERATOR, multi.token.id)
            await refused_call(c)
        regenerated = await world.agent_token(world.user, name="regen")
        async with client(app, regenerated.secret, mode) as c:
            await c.call_tool("list_tenants", {})
            await issuance.regenerate_token(db, OPERATOR, regenerated.token.id)
            await refused_call(c)
        async with client(app, w.reader, mode) as c:
            await c.call_tool("list_tenants", {})
            await accounts.delete_account(db, OPERATOR, world.reader.id)
            await refused_call(c)


async def test_self_revocation_through_mcp_bites_on_the_next_call(db_url: str) -> None:
    async with world_app(db_url) as (app, _, w):
        async with client(app, w.owner_multi) as c:
            me = (await c.call_tool("list_tokens", {"search": "t"})).structured_content["tokens"]
            mine = next(
                t for t in me if t["account_name"] == "Olga Owner" and t["scope"] == "multi"
            )
            done = await c.call_tool("revoke_token", {"token_id": mine["id"]})
            assert done.structured_content["status"] == "revoked"
        response = await post(app, f"Bearer {w.owner_multi}")
        assert_refused(response, w.owner_multi)


async def test_allowed_hosts_come_from_configuration(db_url: str) -> None:
    settings = {"public_url": "https://mcp.example.com", "allowed_hosts": ["indicate:8000"]}
    async with world_app(db_url, **settings) as (app, _, w):
        for host, status in (
            ("mcp.example.com", 200),
            ("indicate:8000", 200),
            ("localhost", 200),
            ("evil.example", 421),
        ):
            async with http(app, w.reader, Host=host) as h:
                response = await h.post("/mcp", headers=MCP_HEADERS, json=CALL)
            assert response.status_code == status, (host, response.text)
    async with (
        running_app(db_url, allowed_hosts=["*"]) as (app, _),
        http(app, w.reader, Host="anything.internal") as h,
    ):
        assert (await h.post("/mcp", headers=MCP_HEADERS, json=CALL)).status_code == 200
