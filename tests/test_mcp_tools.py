"""Every tool, resource and prompt through the real app in-process (SDK client over ASGI), on
SQLite and PostgreSQL, in the handshake era and 2026-07-28."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import MCPError
from mcp.types import INVALID_PARAMS
from sqlalchemy import select

from indicate_mcp.db.tables import audit_events
from mcp_world import McpWorld, client, running_app, seed

SNAPSHOT = Path(__file__).parent / "snapshots" / "mcp_tools_list_member.json"
DATA_TOOLS = ["list_tenants", "list_data_sources", "list_metrics", "query_metric", "health_check"]
MANAGEMENT = {
    "list_tokens",
    "create_token",
    "update_token",
    "regenerate_token",
    "revoke_token",
    "get_client_config",
    "list_accounts",
    "create_service_account",
    "delete_account",
    "list_audit_events",
}
MAX_MEMBER_LIST_BYTES = 10_000


@asynccontextmanager
async def world_app(db_url: str) -> AsyncIterator[tuple[Any, Any, McpWorld]]:
    # Not a fixture: the session manager's task group must be entered and left in one task,
    # and pytest-asyncio runs fixture setup and teardown in different ones.
    async with running_app(db_url) as (app, context):
        yield app, context, await seed(context)


def _text(result: Any) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


def _listing(tools: list[Any]) -> list[dict[str, Any]]:
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_data_tools_for_a_single_space_reader(db_url: str, mode: str) -> None:
    async with world_app(db_url) as (app, _, w):
        hotel = w.world.hotel.id
        async with client(app, w.reader, mode) as c:
            names = [t.name for t in (await c.list_tools()).tools]
            assert names == DATA_TOOLS
            tenants = (await c.call_tool("list_tenants", {})).structured_content
            assert tenants == {
                "tenants": [{"tenant_id": hotel, "name": "Mountain Resort", "role": "reader"}]
            }
            sources = (await c.call_tool("list_data_sources", {})).structured_content
            assert sources["tenant_id"] == hotel and sources["data_sources"][0]["id"] == w.source_id
            found = (
                await c.call_tool("list_metrics", {"data_source_id": w.source_id})
            ).structured_content
            assert {m["id"] for m in found["metrics"]} == {"rooms_sold", "occupancy"}
            assert found["metrics"][0]["first_date"] == "2026-01-01"
            month = await c.call_tool(
                "query_metric",
                {
                    "metric_id": "occupancy",
                    "start_date": "2026-01-01",
                    "end_date": "2026-01-31",
                    "granularity": "month",
                },
            )
            assert not month.is_error, _text(month)
            assert month.structured_content["series"][0]["value"] == pytest.approx(25.0)
            grouped = await c.call_tool(
                "query_metric",
                {
                    "metric_id": "rooms_sold",
                    "tenant_id": hotel,
                    "start_date": "2026-01-01",
                    "end_date": "2026-01-01",
                    "group_by": "channel",
                    "compare": "previous_period",
                },
            )
            assert {g["value"] for g in grouped.structured_content["groups"]} == {
                "direct",
                "booking_com",
            }
            assert grouped.structured_content["comparison"]["mode"] == "previous_period"
            health = (await c.call_tool("health_check", {})).structured_content
            assert health["status"] == "ok" and health["database"] == "ok"
            assert (
                health["caller"]["token"].endswith("_…") and health["caller"]["scope"] == "single"
            )
            assert (
                health["caller"]["account_name"] == "Rita Reader"
                and not health["caller"]["manager"]
            )


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_errors_name_what_would_be_valid(db_url: str, mode: str) -> None:
    async with world_app(db_url) as (app, _, w):
        hotel, lake = w.world.hotel.id, w.world.lake.id
        async with client(app, w.owner_multi, mode) as c:
            missing = await c.call_tool("list_metrics", {})
            assert missing.is_error and hotel in _text(missing) and lake in _text(missing)
            assert "Mountain Resort" in _text(missing)
            elsewhere = await c.call_tool(
                "list_data_sources", {"tenant_id": w.world.outsider_space.id}
            )
            assert (
                elsewhere.is_error
                and "not reachable" in _text(elsewhere)
                and hotel in _text(elsewhere)
            )
            unknown = await c.call_tool("query_metric", {"metric_id": "adr", "tenant_id": hotel})
            assert (
                unknown.is_error
                and "occupancy" in _text(unknown)
                and "rooms_sold" in _text(unknown)
            )
            bad_group = await c.call_tool(
                "query_metric",
                {"metric_id": "occupancy", "tenant_id": hotel, "group_by": "channel"},
            )
            assert bad_group.is_error and "valid dimensions" in _text(bad_group)
            bad_date = await c.call_tool(
                "query_metric",
                {"metric_id": "occupancy", "tenant_id": hotel, "start_date": "Jan 1"},
            )
            assert bad_date.is_error and "start_date" in _text(bad_date)
            bad_granularity = await c.call_tool(
                "query_metric",
                {"metric_id": "occupancy", "tenant_id": hotel, "granularity": "hour"},
            )
            assert bad_granularity.is_error and "day" in _text(bad_granularity)


async def test_tools_list_for_members_matches_the_snapshot_and_stays_small(db_url: str) -> None:
    async with world_app(db_url) as (app, _, w):
        async with client(app, w.reader) as c:
            listing = _listing((await c.list_tools()).tools)
        size = len(json.dumps(listing, separators=(",", ":")))
        assert size < MAX_MEMBER_LIST_BYTES, f"tools/list for a member grew to {size} bytes"
        for tool in listing:
            assert tool["annotations"]["readOnlyHint"] is True
            assert "outputSchema" in tool and len(tool["description"]) < 160
        if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
            SNAPSHOT.parent.mkdir(exist_ok=True)
            SNAPSHOT.write_text(json.dumps(listing, indent=2, sort_keys=True) + "\n")
        assert listing == json.loads(SNAPSHOT.read_text()), (
            "run with UPDATE_SNAPSHOTS=1 if intended"
        )


@pytest.mark.parametrize("who", ["owner_multi", "admin"])
async def test_managers_see_and_use_management_tools(db_url: str, who: str) -> None:
    async with world_app(db_url) as (app, context, w):
        async with client(app, getattr(w, who)) as c:
            tools = {t.name: t for t in (await c.list_tools()).tools}
            assert set(tools) == set(DATA_TOOLS) | MANAGEMENT
            for name in ("revoke_token", "regenerate_token", "delete_account"):
                assert tools[name].annotations.destructive_hint is True
            hotel = w.world.hotel.id
            refused = await c.call_tool("create_token", {"name": "n8n", "tenant_id": hotel,
                                                         "acknowledge_billing": False})  # fmt: skip
            assert refused.is_error and "acknowledge" in _text(refused)
            made = await c.call_tool(
                "create_token", {"name": "n8n", "tenant_id": hotel, "acknowledge_billing": True}
            )
            assert not made.is_error, _text(made)
            new = made.structured_content
            assert new["secret"].startswith("ind_agent_") and new["url"].endswith("/mcp")
            assert any(new["secret"] in cfg["content"] for cfg in new["configs"])
            token_id = new["token"]["id"]
            listed = (await c.call_tool("list_tokens", {"tenant_id": hotel})).structured_content
            assert token_id in {t["id"] for t in listed["tokens"]}
            assert new["secret"] not in json.dumps(listed)
            renamed = await c.call_tool("update_token", {"token_id": token_id, "name": "n8n prod"})
            assert renamed.structured_content["name"] == "n8n prod"
            again = (
                await c.call_tool("regenerate_token", {"token_id": token_id})
            ).structured_content
            assert again["secret"] != new["secret"] and again["token"]["name"] == "n8n prod"
            api = await c.call_tool(
                "create_token",
                {"name": "BI", "tenant_id": hotel, "kind": "api", "acknowledge_billing": False},
            )
            assert not api.is_error, _text(api)  # the secret must reach the caller
            assert api.structured_content["secret"].startswith("ind_api_")
            assert api.structured_content["url"].endswith("/api/v1")
            assert api.structured_content["configs"] == []
            revoked = await c.call_tool("revoke_token", {"token_id": again["token"]["id"]})
            assert revoked.structured_content["status"] == "revoked"
            config = (
                await c.call_tool("get_client_config", {"client": "vscode"})
            ).structured_content
            assert config["configs"][0]["client"] == "vscode" and "ind_agent_" not in json.dumps(
                config
            )
            bot = await c.call_tool(
                "create_service_account", {"name": "Zapier", "tenant_id": hotel}
            )
            assert bot.structured_content["roles"] == {hotel: "reader"}
            people = (await c.call_tool("list_accounts", {})).structured_content["accounts"]
            assert bot.structured_content["id"] in {a["id"] for a in people}
            gone = await c.call_tool("delete_account", {"account_id": bot.structured_content["id"]})
            assert gone.structured_content["removed_memberships"] == 1
            events = (
                await c.call_tool("list_audit_events", {"tenant_id": hotel})
            ).structured_content
            assert "token.revoked" in {e["action"] for e in events["events"]}
        async with context.db.read() as conn:
            rows = (
                await conn.execute(select(audit_events).where(audit_events.c.channel == "mcp"))
            ).all()
        assert rows and all(r.client_ip == "127.0.0.1" for r in rows)
        assert {r.action for r in rows} >= {"token.created", "token.regenerated", "token.revoked"}
        assert all(new["secret"] not in json.dumps(dict(r._mapping), default=str) for r in rows)


async def test_members_cannot_call_management_tools(db_url: str) -> None:
    async with world_app(db_url) as (app, _, w), client(app, w.reader) as c:
        for name, args in (("list_tokens", {}), ("revoke_token", {"token_id": "x" * 12})):
            refused = await c.call_tool(name, args)
            assert refused.is_error and "only for owners and admins" in _text(refused)


async def test_an_admin_cannot_mint_above_its_rights(db_url: str) -> None:
    async with world_app(db_url) as (app, _, w):
        async with client(app, w.admin) as c:
            refused = await c.call_tool(
                "create_token",
                {
                    "name": "x",
                    "scope": "multi",
                    "account_id": w.world.owner.id,
                    "acknowledge_billing": True,
                },
            )
        assert refused.is_error and "cannot issue" in _text(refused)


async def test_resources_and_prompt(db_url: str) -> None:
    async with world_app(db_url) as (app, _, w):
        hotel = w.world.hotel.id
        async with client(app, w.reader) as c:
            templates = {
                t.uri_template for t in (await c.list_resource_templates()).resource_templates
            }
            assert "indicate://tenants/{tenant_id}/metrics/{metric_id}" in templates
            metric = await c.read_resource(f"indicate://tenants/{hotel}/metrics/occupancy")
            assert json.loads(metric.contents[0].text)["aggregation"] == "ratio"
            overview = json.loads(
                (await c.read_resource(f"indicate://tenants/{hotel}/overview")).contents[0].text
            )
            assert overview["your_role"] == "reader" and len(overview["metrics"]) == 2
            prompt = await c.get_prompt("weekly_review", {"tenant_id": hotel})
            assert "compare=previous_period" in prompt.messages[0].content.text
            with pytest.raises(MCPError) as unknown:
                await c.get_prompt("monthly_review", {"tenant_id": hotel})
            assert unknown.value.error.code == INVALID_PARAMS
            assert "available: weekly_review" in unknown.value.error.message
            with pytest.raises(Exception, match="not reachable"):
                await c.read_resource(f"indicate://tenants/{w.world.lake.id}/overview")
