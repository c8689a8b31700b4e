"""Builders for space-data tests: a space, a source, metric rows and hand-made values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from indicate_mcp.authority.model import Actor
from indicate_mcp.authority.organisations import create_organisation
from indicate_mcp.authority.spaces import create_space
from indicate_mcp.db import Database
from indicate_mcp.db.metrics_tables import measure_values, metric_definitions
from indicate_mcp.metrics import MetricDefinition, create_data_source


async def make_space(db: Database, name: str = "Test Hotel") -> str:
    operator = Actor.operator()
    org = await create_organisation(db, operator, name=f"{name} Group", plan="enterprise")
    return (await create_space(db, operator, org_id=org.id, name=name)).id


async def make_source(db: Database, space_id: str, name: str = "PMS") -> str:
    return (await create_data_source(db, space_id, name=name, integration="mews")).id


async def put_metric(db: Database, space_id: str, source_id: str, **fields: Any) -> None:
    definition = MetricDefinition(data_source_id=source_id, **fields)
    async with db.write() as conn:
        await conn.execute(
            insert(metric_definitions).values(
                space_id=space_id, updated_at=datetime.now(UTC), **definition.model_dump()
            )
        )


async def put_values(
    db: Database, source_id: str, rows: list[tuple[str, str, float, str, str]]
) -> None:
    """rows: (measure, YYYY-MM-DD, value, dimension, dimension value); '' '' for totals."""
    async with db.write() as conn:
        await conn.execute(
            insert(measure_values),
            [
                {
                    "data_source_id": source_id,
                    "measure": measure,
                    "day": date.fromisoformat(day),
                    "value": value,
                    "dimension": dimension,
                    "dimension_value": dimension_value,
                }
                for measure, day, value, dimension, dimension_value in rows
            ],
        )


def totals(measure: str, first: str, values: list[float]) -> list[tuple[str, str, float, str, str]]:
    """Consecutive daily totals starting on ``first``."""
    start = date.fromisoformat(first)
    return [
        (measure, (start + timedelta(days=i)).isoformat(), v, "", "") for i, v in enumerate(values)
    ]


def day(text: str) -> date:
    return date.fromisoformat(text)
