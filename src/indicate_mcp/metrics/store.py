"""Bulk writes of daily measure values, as an idempotent upsert on both databases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from indicate_mcp.db.metrics_tables import measure_values

KEY = ("data_source_id", "measure", "dimension", "day", "dimension_value")


def _upsert(dialect: str) -> Any:
    statement = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(measure_values)
    return statement.on_conflict_do_update(
        index_elements=list(KEY), set_={"value": statement.excluded.value}
    )


async def write_values(
    conn: AsyncConnection,
    dialect: str,
    rows: Sequence[dict[str, Any]],
    *,
    upsert: bool = True,
) -> None:
    """``rows`` are measure_values dicts. With ``upsert`` a key seen twice in one call keeps its
    last value: PostgreSQL refuses to touch one row twice in a single ON CONFLICT statement."""
    if not rows:
        return
    if upsert:
        unique = {tuple(row[k] for k in KEY): row for row in rows}
        await conn.execute(_upsert(dialect), list(unique.values()))
    else:
        await conn.execute(insert(measure_values), list(rows))
