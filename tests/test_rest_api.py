"""The data endpoints with single- and multi-space API tokens, against real databases."""

from __future__ import annotations

import json

import httpx
import pytest

from indicate_mcp.db import Database
from indicate_mcp.metrics import QueryRequest, list_data_sources, list_metrics, query_metric
from rest_world import RestWorld, client_for, make_context, mounted


async def test_spaces_single_scope_sees_only_its_space(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    r = await rest_client.get("/api/v1/spaces", headers=rw.auth(rw.single))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["items"] == [{"id": rw.hotel, "name": "Alpine Zermatt", "role": "reader"}]
    assert body["next"] is None and "Link" not in r.headers
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["content-type"] == "application/json"


async def test_spaces_multi_scope_sees_every_space_of_the_account(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    r = await rest_client.get("/api/v1/spaces", headers=rw.auth(rw.multi))
    assert r.status_code == 200, r.text
    assert {s["id"] for s in r.json()["items"]} == {rw.hotel, rw.lake}


async def test_data_sources_and_metrics_match_the_catalog(
    rest_client: httpx.AsyncClient, rw: RestWorld, db: Database
) -> None:
    r = await rest_client.get(f"/api/v1/spaces/{rw.hotel}/data-sources", headers=rw.auth(rw.single))
    assert r.status_code == 200, r.text
    expected = [s.model_dump(mode="json") for s in await list_data_sources(db, rw.hotel)]
    assert r.json()["items"] == expected

    r = await rest_client.get(f"/api/v1/spaces/{rw.hotel}/metrics", headers=rw.auth(rw.multi))
    assert r.status_code == 200, r.text
    expected = [m.model_dump(mode="json") for m in await list_metrics(db, rw.hotel)]
    assert r.json()["items"] == sorted(expected, key=lambda m: m["id"])
    occupancy = next(m for m in r.json()["items"] if m["id"] == "occupancy_rate")
    assert occupancy["first_date"] == "2025-01-01"


async def test_metrics_filtered_by_data_source(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    url = f"/api/v1/spaces/{rw.hotel}/metrics"
    r = await rest_client.get(
        url, params={"data_source_id": rw.source_id}, headers=rw.auth(rw.single)
    )
    assert r.status_code == 200 and len(r.json()["items"]) == 3
    r = await rest_client.get(
        url, params={"data_source_id": "src_nope"}, headers=rw.auth(rw.single)
    )
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert rw.source_id in r.json()["detail"]  # names what would be valid


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2025-01-01", "end_date": "2025-03-31", "granularity": "month"},
        {
            "start_date": "2025-02-01",
            "end_date": "2025-03-15",
            "granularity": "week",
            "compare": "previous_period",
        },
        {
            "start_date": "2025-01-01",
            "end_date": "2025-04-30",
            "granularity": "month",
            "group_by": "channel",
            "limit": 2,
        },
        {"end_date": "2025-04-10"},
    ],
)
async def test_query_agrees_with_the_engine(
    rest_client: httpx.AsyncClient, rw: RestWorld, db: Database, params: dict[str, object]
) -> None:
    metric = "room_revenue" if "group_by" in params else "occupancy_rate"
    for token in (rw.single, rw.multi):
        r = await rest_client.get(
            f"/api/v1/spaces/{rw.hotel}/metrics/{metric}/query",
            params=params,
            headers=rw.auth(token),
        )
        assert r.status_code == 200, r.text
        engine = await query_metric(db, rw.hotel, QueryRequest(metric_id=metric, **params))
        assert r.json() == json.loads(engine.model_dump_json())


async def test_monthly_occupancy_is_a_ratio_of_sums(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    r = await rest_client.get(
        f"/api/v1/spaces/{rw.hotel}/metrics/occupancy_rate/query",
        params={"start_date": "2025-01-01", "end_date": "2025-01-31", "granularity": "month"},
        headers=rw.auth(rw.single),
    )
    sold = sum(40 + (d * 7) % 35 for d in range(31))
    assert r.json()["series"][0]["value"] == pytest.approx(sold / (31 * 80) * 100)


async def test_engine_errors_are_problems_naming_the_valid_values(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    base = f"/api/v1/spaces/{rw.hotel}/metrics"
    r = await rest_client.get(f"{base}/nope/query", headers=rw.auth(rw.single))
    assert r.status_code == 404
    assert r.json()["field"] == "metric_id" and "occupancy_rate" in r.json()["detail"]
    r = await rest_client.get(
        f"{base}/occupancy_rate/query", params={"group_by": "channel"}, headers=rw.auth(rw.single)
    )
    assert r.status_code == 400 and r.json()["field"] == "group_by"
    r = await rest_client.get(
        f"{base}/room_revenue/query",
        params={"start_date": "2025-03-01", "end_date": "2025-01-01"},
        headers=rw.auth(rw.single),
    )
    assert r.status_code == 400
    assert r.json()["type"].startswith("urn:indicate-mcp:problem:")


async def test_single_scope_token_does_not_reach_other_spaces(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    for space in (rw.lake, rw.foreign, "spc_doesnotexist"):
        for path in ("data-sources", "metrics", "metrics/occupancy_rate/query"):
            r = await rest_client.get(f"/api/v1/spaces/{space}/{path}", headers=rw.auth(rw.single))
            assert r.status_code == 404, (space, path)
            body = r.json()
            assert body["field"] == "space_id"
            # Same answer for a foreign space and a missing one; only reachable IDs are named.
            assert body["detail"].startswith(
                f"space {space!r} is not reachable with this token; valid: {rw.hotel} ("
            )
            assert rw.lake not in body["detail"].split("valid:")[1]
    r = await rest_client.get(f"/api/v1/spaces/{rw.lake}/data-sources", headers=rw.auth(rw.multi))
    assert r.status_code == 200 and len(r.json()["items"]) == 5


async def test_pagination_walks_every_item_once(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    url: str | None = f"http://testserver/api/v1/spaces/{rw.lake}/data-sources?limit=2"
    seen: list[str] = []
    pages = 0
    while url is not None:
        r = await rest_client.get(url, headers=rw.auth(rw.multi))
        assert r.status_code == 200, r.text
        body = r.json()
        seen += [s["id"] for s in body["items"]]
        url = body["next"]
        if url is not None:
            assert url.startswith("http://testserver/api/v1/spaces/")
            assert "limit=2" in url and f"cursor={body['next_cursor']}" in url
            assert r.headers["Link"] == f'<{url}>; rel="next"'
        pages += 1
    assert pages == 3 and len(seen) == 5 and seen == sorted(seen)


async def test_pagination_uses_the_public_url_when_configured(
    db: Database, db_url: str, rw: RestWorld
) -> None:
    context = make_context(db, db_url, public_url="https://metrics.example.com/")
    async with client_for(mounted(context)) as client:
        r = await client.get(
            f"/api/v1/spaces/{rw.lake}/data-sources?limit=1", headers=rw.auth(rw.multi)
        )
    assert r.json()["next"].startswith(f"https://metrics.example.com/api/v1/spaces/{rw.lake}/")


@pytest.mark.parametrize("cursor", ["!!!", "%FF%FE", "A" * 300, "A", "AB=C"])
async def test_bad_cursor_is_a_400(
    rest_client: httpx.AsyncClient, rw: RestWorld, cursor: str
) -> None:
    r = await rest_client.get(f"/api/v1/spaces?cursor={cursor}", headers=rw.auth(rw.multi))
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "cursor"


async def test_any_well_formed_cursor_names_a_point_in_id_order(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    # The document promises every base64url value; one that is not UTF-8 must not be a 400.
    for cursor in ("gA", "", "_-_-"):
        r = await rest_client.get(f"/api/v1/spaces?cursor={cursor}", headers=rw.auth(rw.multi))
        assert r.status_code == 200, (cursor, r.text)


async def test_unknown_and_invalid_parameters_are_named(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    url = f"/api/v1/spaces/{rw.hotel}/metrics/occupancy_rate/query"
    r = await rest_client.get(url, params={"granularty": "month"}, headers=rw.auth(rw.single))
    assert r.status_code == 400
    body = r.json()
    assert body["field"] == "granularty" and "granularity" in body["detail"]
    assert "granularity" in body["errors"][0]["valid"]

    r = await rest_client.get(
        url, params={"granularity": "fortnight", "limit": "0"}, headers=rw.auth(rw.single)
    )
    assert r.status_code == 400
    errors = {e["field"]: e for e in r.json()["errors"]}
    assert errors["granularity"]["valid"] == ["day", "week", "month", "quarter", "year"]
    assert "limit" in errors

    r = await rest_client.get(f"{url}?limit=1&limit=2", headers=rw.auth(rw.single))
    assert r.status_code == 400 and r.json()["field"] == "limit"
    r = await rest_client.get("/api/v1/spaces", params={"limit": "201"}, headers=rw.auth(rw.single))
    assert r.status_code == 400 and r.json()["field"] == "limit"


async def test_unknown_path_and_method_are_problems(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    r = await rest_client.get("/api/v1/nothing", headers=rw.auth(rw.single))
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    r = await rest_client.post("/api/v1/spaces", headers=rw.auth(rw.single))
    assert r.status_code == 405 and set(r.headers["Allow"].split(", ")) == {"GET", "HEAD"}
    assert r.json()["code"] == "method_not_allowed"
