"""What a space holds: its data sources and metrics, with the first and last day of data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from indicate_mcp.db import Database
from indicate_mcp.db.metrics_tables import data_sources, measure_values, metric_definitions
from indicate_mcp.db.tables import spaces
from indicate_mcp.errors import InvalidInput, NotFound
from indicate_mcp.ids import new_id
from indicate_mcp.metrics.definitions import DataSource, MetricDefinition, MetricInfo

_SPAN_CHUNK = 100  # scalar subqueries per statement


def _source(row: Any) -> DataSource:
    return DataSource(
        id=row.id,
        space_id=row.space_id,
        name=row.name,
        integration=row.integration,
        status=row.status,
        connected_at=row.connected_at,
    )


def definition_from_row(row: Any) -> MetricDefinition:
    return MetricDefinition(
        id=row.id,
        name=row.name,
        description=row.description,
        data_source_id=row.data_source_id,
        unit=row.unit,
        currency=row.currency,
        aggregation=row.aggregation,
        measure=row.measure,
        numerator=row.numerator,
        denominator=row.denominator,
        multiplier=row.multiplier,
        dimensions=list(row.dimensions or []),
        version=row.version,
    )


async def require_space(conn: AsyncConnection, space_id: str) -> None:
    found = (await conn.execute(select(spaces.c.id).where(spaces.c.id == space_id))).first()
    if found is None:
        raise NotFound(f"no space {space_id!r}", field="space")


async def fetch_sources(conn: AsyncConnection, space_id: str) -> list[DataSource]:
    rows = await conn.execute(
        select(data_sources)
        .where(data_sources.c.space_id == space_id)
        .order_by(data_sources.c.name, data_sources.c.id)
    )
    return [_source(r) for r in rows]


async def resolve_source(conn: AsyncConnection, space_id: str, ref: str) -> DataSource:
    """A data source of the space by ID or exact name; the error lists the valid ones."""
    sources = await fetch_sources(conn, space_id)
    for source in sources:
        if ref in (source.id, source.name):
            return source
    valid = ", ".join(f"{s.id} ({s.name})" for s in sources) or "none yet"
    raise NotFound(f"no data source {ref!r} in space {space_id}; valid: {valid}", field="source")


async def create_data_source(
    db: Database,
    space_id: str,
    *,
    name: str,
    integration: str,
    status: str = "active",
    connected_at: date | None = None,
) -> DataSource:
    if status not in ("active", "misbehaving"):
        raise InvalidInput("status must be 'active' or 'misbehaving'", field="status")
    if not name.strip() or len(name) > 128:
        raise InvalidInput("name must be 1 to 128 characters", field="name")
    source = DataSource(
        id=new_id("src"),
        space_id=space_id,
        name=name.strip(),
        integration=integration,
        status=status,  # type: ignore[arg-type]  # checked above
        connected_at=connected_at or date.today(),
    )
    async with db.write() as conn:
        await require_space(conn, space_id)
        taken = [s.name for s in await fetch_sources(conn, space_id)]
        if source.name in taken:
            raise InvalidInput(f"space {space_id} already has a data source named {name!r}")
        await conn.execute(insert(data_sources).values(source.model_dump()))
    return source


async def list_data_sources(db: Database, space_id: str) -> list[DataSource]:
    async with db.read() as conn:
        return await fetch_sources(conn, space_id)


async def fetch_definitions(
    conn: AsyncConnection, space_id: str, data_source_id: str | None = None
) -> list[MetricDefinition]:
    query = select(metric_definitions).where(metric_definitions.c.space_id == space_id)
    if data_source_id is not None:
        query = query.where(metric_definitions.c.data_source_id == data_source_id)
    rows = await conn.execute(query.order_by(metric_definitions.c.id))
    return [definition_from_row(r) for r in rows]


async def _measure_spans(
    conn: AsyncConnection, pairs: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[date | None, date | None]]:
    """First and last day of the totals of each (source, measure). One scalar subquery per
    bound, so both databases answer each from the primary key instead of scanning the range."""
    spans: dict[tuple[str, str], tuple[date | None, date | None]] = {}
    for offset in range(0, len(pairs), _SPAN_CHUNK):
        chunk = pairs[offset : offset + _SPAN_CHUNK]
        columns = []
        for source_id, measure in chunk:
            where = (
                (measure_values.c.data_source_id == source_id)
                & (measure_values.c.measure == measure)
                & (measure_values.c.dimension == "")
            )
            for bound in (func.min, func.max):
                columns.append(select(bound(measure_values.c.day)).where(where).scalar_subquery())
        row = (await conn.execute(select(*columns))).one()
        for index, pair in enumerate(chunk):
            spans[pair] = (row[2 * index], row[2 * index + 1])
    return spans


async def with_spans(
    conn: AsyncConnection, definitions: Sequence[MetricDefinition]
) -> list[MetricInfo]:
    pairs = sorted({(d.data_source_id, m) for d in definitions for m in d.measures})
    spans = await _measure_spans(conn, pairs)
    infos = []
    for definition in definitions:
        firsts = [spans[(definition.data_source_id, m)][0] for m in definition.measures]
        lasts = [spans[(definition.data_source_id, m)][1] for m in definition.measures]
        first = last = None
        # A ratio has a value only where both parts have data.
        if all(firsts) and all(lasts):
            first = max(d for d in firsts if d is not None)
            last = min(d for d in lasts if d is not None)
            if first > last:
                first = last = None
        infos.append(MetricInfo(**definition.model_dump(), first_date=first, last_date=last))
    return infos


async def list_metrics(
    db: Database, space_id: str, data_source_id: str | None = None
) -> list[MetricInfo]:
    async with db.read() as conn:
        if data_source_id is not None:
            await resolve_source(conn, space_id, data_source_id)
        return await with_spans(conn, await fetch_definitions(conn, space_id, data_source_id))


async def fetch_metric(conn: AsyncConnection, space_id: str, metric_id: str) -> MetricInfo:
    row = (
        await conn.execute(
            select(metric_definitions).where(
                metric_definitions.c.space_id == space_id, metric_definitions.c.id == metric_id
            )
        )
    ).one_or_none()
    if row is None:
        known = (
            await conn.execute(
                select(metric_definitions.c.id)
                .where(metric_definitions.c.space_id == space_id)
                .order_by(metric_definitions.c.id)
            )
        ).scalars()
        valid = ", ".join(known) or "none (apply metric definitions first)"
        raise NotFound(
            f"no metric {metric_id!r} in space {space_id}; valid metric IDs: {valid}",
            field="metric_id",
        )
    return (await with_spans(conn, [definition_from_row(row)]))[0]


async def get_metric(db: Database, space_id: str, metric_id: str) -> MetricInfo:
    async with db.read() as conn:
        return await fetch_metric(conn, space_id, metric_id)
