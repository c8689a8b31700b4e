"""Per-bucket aggregation in SQL, and turning the aggregated parts into metric values.

The database groups rows by bucket (one index range scan, one GROUP BY) and returns, per
bucket, group and measure, the parts every aggregation needs: sum, count, min, max and the last
day. Values are computed from those parts in Python, which is what lets a ratio be recomputed
from summed parts at any level (bucket, whole range, group) without a second query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, DateTime, and_, case, cast, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from indicate_mcp.db.metrics_tables import measure_values as mv
from indicate_mcp.metrics.definitions import MetricDefinition
from indicate_mcp.metrics.periods import Granularity


@dataclass(slots=True)
class Parts:
    sum: float = 0.0
    count: int = 0
    min: float = math.inf
    max: float = -math.inf
    last_day: date | None = None
    last_value: float | None = None

    def merge(self, other: Parts) -> None:
        self.sum += other.sum
        self.count += other.count
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        if other.last_day is not None and (self.last_day is None or other.last_day > self.last_day):
            self.last_day, self.last_value = other.last_day, other.last_value


# (bucket start, dimension value) -> measure -> parts; totals use dimension value ''.
Cells = dict[tuple[date, str], dict[str, Parts]]


def _const(sql: str) -> ColumnElement[Any]:
    # Constants, not bind parameters: PostgreSQL only accepts the bucket expression in GROUP BY
    # when it is textually identical to the one in SELECT, and $1 vs $2 would not be.
    return literal_column(sql)


def bucket_expr(granularity: Granularity, dialect: str) -> ColumnElement[Any]:
    """The first day of the bucket holding ``measure_values.day``; agrees with
    ``periods.bucket_start``, which the tests check on both databases."""
    day = mv.c.day
    if granularity == "day":
        return day
    if dialect == "postgresql":
        return cast(func.date_trunc(_const(f"'{granularity}'"), cast(day, DateTime)), Date)
    if granularity == "week":  # to the next Sunday (or stay), then back to its Monday
        return func.date(day, _const("'weekday 0'"), _const("'-6 days'"))
    if granularity == "month":
        return func.strftime(_const("'%Y-%m-01'"), day)
    if granularity == "year":
        return func.strftime(_const("'%Y-01-01'"), day)
    month = func.strftime(_const("'%m'"), day)
    return case(
        (month <= _const("'03'"), func.strftime(_const("'%Y-01-01'"), day)),
        (month <= _const("'06'"), func.strftime(_const("'%Y-04-01'"), day)),
        (month <= _const("'09'"), func.strftime(_const("'%Y-07-01'"), day)),
        else_=func.strftime(_const("'%Y-10-01'"), day),
    )


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def fetch_cells(
    conn: AsyncConnection,
    dialect: str,
    metric: MetricDefinition,
    start: date,
    end: date,
    granularity: Granularity,
    dimension: str = "",
) -> Cells:
    bucket = bucket_expr(granularity, dialect).label("bucket")
    where = and_(
        mv.c.data_source_id == metric.data_source_id,
        mv.c.measure.in_(metric.measures),
        mv.c.dimension == dimension,
        mv.c.day >= start,
        mv.c.day <= end,
    )
    keys = (bucket, mv.c.dimension_value, mv.c.measure)
    query = (
        select(
            *keys,
            func.sum(mv.c.value).label("total"),
            func.count(mv.c.value).label("n"),
            func.min(mv.c.value).label("lowest"),
            func.max(mv.c.value).label("highest"),
            func.max(mv.c.day).label("last_day"),
        )
        .where(where)
        .group_by(*keys)
    )
    cells: Cells = {}
    for row in await conn.execute(query):
        parts = Parts(float(row[3]), int(row[4]), float(row[5]), float(row[6]), _as_date(row[7]))
        cells.setdefault((_as_date(row[0]), row[1]), {})[row[2]] = parts
    if metric.aggregation == "last":
        await _fill_last(conn, metric, dimension, query.subquery(), cells)
    return cells


async def _fill_last(
    conn: AsyncConnection, metric: MetricDefinition, dimension: str, grouped: Any, cells: Cells
) -> None:
    """Join the last day of each bucket back to its row to read that day's value."""
    last = mv.alias("last_row")
    query = select(
        grouped.c.bucket, grouped.c.dimension_value, grouped.c.measure, last.c.value
    ).select_from(
        grouped.join(
            last,
            and_(
                last.c.data_source_id == metric.data_source_id,
                last.c.measure == grouped.c.measure,
                last.c.dimension == dimension,
                last.c.dimension_value == grouped.c.dimension_value,
                last.c.day == grouped.c.last_day,
            ),
        )
    )
    for row in await conn.execute(query):
        cells[(_as_date(row[0]), row[1])][row[2]].last_value = float(row[3])


def value_of(metric: MetricDefinition, parts: dict[str, Parts] | None) -> float | None:
    """The metric from its parts; no data, or a zero denominator, is None (never inf/NaN)."""
    if not parts:
        return None
    if metric.aggregation == "ratio":
        assert metric.numerator is not None and metric.denominator is not None
        numerator, denominator = parts.get(metric.numerator), parts.get(metric.denominator)
        if numerator is None or denominator is None or denominator.sum == 0:
            return None
        result = numerator.sum / denominator.sum
    else:
        assert metric.measure is not None
        own = parts.get(metric.measure)
        if own is None or own.count == 0:
            return None
        if metric.aggregation == "sum":
            result = own.sum
        elif metric.aggregation == "average":
            result = own.sum / own.count
        elif metric.aggregation == "min":
            result = own.min
        elif metric.aggregation == "max":
            result = own.max
        else:
            if own.last_value is None:
                return None
            result = own.last_value
    result *= metric.multiplier
    return result if math.isfinite(result) else None


def rollup(many: list[dict[str, Parts]]) -> dict[str, Parts]:
    total: dict[str, Parts] = {}
    for parts in many:
        for measure, piece in parts.items():
            into = total.setdefault(measure, Parts())
            into.merge(piece)
    return total
