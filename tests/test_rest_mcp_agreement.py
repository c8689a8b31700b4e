"""One answer for every consumer: the REST query, the engine and the MCP ``query_metric`` tool
return the same JSON, through the real app that mounts both surfaces."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from indicate_mcp.metrics import QueryRequest, query_metric
from mcp_world import client, running_app
from rest_world import build_world

CASES: list[dict[str, Any]] = [
    {
        "metric_id": "occupancy_rate",
        "start_date": "2025-01-01",
        "end_date": "2025-04-30",
        "granularity": "month",
    },
    {
        "metric_id": "room_revenue",
        "start_date": "2025-01-01",
        "end_date": "2025-03-31",
        "granularity": "month",
        "group_by": "channel",
        "compare": "previous_period",
    },
    {
        "metric_id": "rooms_sold",
        "start_date": "2025-02-01",
        "end_date": "2025-02-28",
        "granularity": "week",
        "limit": 3,
    },
    {"metric_id": "occupancy_rate", "end_date": "2025-03-10", "compare": "previous_year"},
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['metric_id']}-{len(c)}")
async def test_rest_mcp_and_engine_agree(db_url: str, case: dict[str, Any]) -> None:
    async with running_app(db_url) as (app, context):
        rw = await build_world(context.db)
        engine = await query_metric(context.db, rw.hotel, QueryRequest(**case))
        expected = json.loads(engine.model_dump_json())

        params = {k: v for k, v in case.items() if k != "metric_id"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as rest:
            r = await rest.get(
                f"/api/v1/spaces/{rw.hotel}/metrics/{case['metric_id']}/query",
                params=params,
                headers=rw.auth(rw.single),
            )
        assert r.status_code == 200, r.text
        assert r.json() == expected

        async with client(app, rw.agent.secret) as mcp:
            result = await mcp.call_tool("query_metric", {**case, "tenant_id": rw.hotel})
        assert not result.is_error
        assert result.structured_content == expected


async def test_the_real_app_serves_the_document_and_refuses_agent_tokens(db_url: str) -> None:
    async with running_app(db_url) as (app, context):
        rw = await build_world(context.db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as rest:
            doc = await rest.get("/api/v1/openapi.json")
            assert doc.status_code == 200 and "/spaces" in doc.json()["paths"]
            r = await rest.get("/api/v1/spaces", headers=rw.auth(rw.agent))
            assert r.status_code == 403 and r.json()["code"] == "wrong_token_kind"
            assert "X-Request-ID" in r.headers
