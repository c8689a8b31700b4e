"""The demo group: people, sources, metrics, consistent breakdowns, idempotent loading."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from indicate_mcp.db import Database
from indicate_mcp.db.metrics_tables import measure_values
from indicate_mcp.db.tables import accounts, memberships, organisations, spaces
from indicate_mcp.metrics import (
    GRANULARITIES,
    QueryRequest,
    list_data_sources,
    list_metrics,
    query_metric,
)
from indicate_mcp.metrics.demo import ORG_NAME, OWNER_EMAIL, load_demo
from indicate_mcp.metrics.demo_data import HOTELS, Hotel, pms_day, split, web_day

TODAY = date(2026, 3, 15)


async def _count(db: Database, table: object) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def test_demo_loads_once_and_every_metric_answers(db: Database) -> None:
    summary = await load_demo(db, today=TODAY)
    assert summary.created and len(summary.spaces) == 3
    counts = {t.name: await _count(db, t) for t in (organisations, spaces, accounts, memberships)}
    values = await _count(db, measure_values)
    again = await load_demo(db, today=TODAY)
    assert not again.created
    assert again.model_dump(exclude={"created", "values_written"}) == summary.model_dump(
        exclude={"created", "values_written"}
    )
    assert counts == {
        t.name: await _count(db, t) for t in (organisations, spaces, accounts, memberships)
    }
    assert values == await _count(db, measure_values) == summary.values_written
    assert counts["accounts"] == 5  # four people and the n8n reporting bot

    async with db.read() as conn:
        org = (await conn.execute(select(organisations))).one()
        assert (org.name, org.plan) == (ORG_NAME, "enterprise")
        owner_roles = (
            (
                await conn.execute(
                    select(memberships.c.role)
                    .join(accounts, accounts.c.id == memberships.c.account_id)
                    .where(accounts.c.email == OWNER_EMAIL)
                )
            )
            .scalars()
            .all()
        )
    assert owner_roles == ["owner"] * 3

    for space in summary.spaces:
        integrations = sorted(s.integration for s in await list_data_sources(db, space.id))
        assert integrations == ["google_analytics", "meta_ads", "mews"]
        metrics = await list_metrics(db, space.id)
        assert len(metrics) >= 10
        for metric in metrics:
            assert metric.first_date is not None and metric.last_date is not None, metric.id
            assert metric.first_date <= TODAY - timedelta(days=730)
            for granularity in GRANULARITIES:
                result = await query_metric(
                    db,
                    space.id,
                    QueryRequest(metric_id=metric.id, granularity=granularity),
                    today=TODAY,
                )
                assert result.empty_reason is None, (metric.id, granularity)
                assert result.total is not None, (metric.id, granularity)
                assert result.end_date == TODAY


async def test_forward_occupancy_is_on_the_books_and_lower(db: Database) -> None:
    summary = await load_demo(db, today=TODAY)
    space = summary.spaces[0].id
    occupancy = await list_metrics(db, space)
    info = next(m for m in occupancy if m.id == "occupancy_rate")
    assert info.last_date == TODAY + timedelta(days=90)
    past = await query_metric(
        db,
        space,
        QueryRequest(
            metric_id="occupancy_rate",
            start_date=(TODAY + timedelta(days=31)).replace(year=TODAY.year - 1).isoformat(),
            end_date=(TODAY + timedelta(days=90)).replace(year=TODAY.year - 1).isoformat(),
        ),
        today=TODAY,
    )
    future = await query_metric(
        db,
        space,
        QueryRequest(
            metric_id="occupancy_rate",
            start_date=(TODAY + timedelta(days=31)).isoformat(),
            end_date=(TODAY + timedelta(days=90)).isoformat(),
        ),
        today=TODAY,
    )
    assert past.total is not None and future.total is not None
    assert future.total < past.total


@pytest.mark.parametrize("hotel", HOTELS, ids=lambda h: h.key)
def test_breakdowns_sum_to_totals(hotel: Hotel) -> None:
    start = date(2024, 1, 1)
    for offset in range(0, 800, 37):  # every season, realised and on the books
        day = start + timedelta(days=offset)
        rows = pms_day(hotel, day, start, date(2025, 12, 1)) + web_day(hotel, day, start)
        totals = {m: v for m, _, dim, _, v in rows if dim == ""}
        sums: dict[tuple[str, str], float] = {}
        for measure, _, dimension, _, value in rows:
            if dimension:
                sums[(measure, dimension)] = sums.get((measure, dimension), 0.0) + value
        assert sums, day
        for (measure, dimension), value in sums.items():
            assert value == pytest.approx(totals[measure], abs=1e-6), (day, measure, dimension)
        by_type = {v for m, _, dim, _, v in rows if m == "rooms_sold" and dim == "room_type"}
        assert all(v >= 0 for v in by_type)


def test_split_is_exact_and_deterministic() -> None:
    assert split(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert sum(split(97, {"x": 0.2, "y": 0.5, "z": 0.3}).values()) == 97
    hotel = HOTELS[0]
    assert pms_day(hotel, date(2025, 2, 1), date(2024, 1, 1), TODAY) == pms_day(
        hotel, date(2025, 2, 1), date(2024, 1, 1), TODAY
    )


async def test_a_load_that_stopped_halfway_is_refused_not_taken_as_done(db: Database) -> None:
    from indicate_mcp.authority.model import Actor
    from indicate_mcp.authority.organisations import create_organisation
    from indicate_mcp.errors import Conflict

    # What a crash after the first step leaves behind: the organisation, nothing else.
    await create_organisation(db, Actor.operator(), name=ORG_NAME, plan="enterprise")
    with pytest.raises(Conflict, match="stopped halfway"):
        await load_demo(db, today=TODAY)
