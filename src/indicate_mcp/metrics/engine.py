"""The query engine: one governed answer for MCP, REST and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from indicate_mcp.db import Database
from indicate_mcp.errors import InvalidInput
from indicate_mcp.metrics.aggregate import Cells, Parts, fetch_cells, rollup, value_of
from indicate_mcp.metrics.catalog import fetch_metric
from indicate_mcp.metrics.definitions import MetricInfo
from indicate_mcp.metrics.periods import (
    COMPARE_MODES,
    GRANULARITIES,
    CompareMode,
    Granularity,
    bucket_count,
    bucket_start,
    buckets,
    comparable_day,
    comparison_range,
    parse_day,
)
from indicate_mcp.metrics.query import (
    DEFAULT_DAYS,
    MAX_LIMIT,
    Change,
    Comparison,
    GroupSeries,
    MetricSummary,
    Point,
    QueryRequest,
    QueryResult,
)

_NARROW = "narrow the date range, use a coarser granularity or raise limit (at most 10000)"


def _choice(value: str, valid: Sequence[str], field: str) -> str:
    if value not in valid:
        raise InvalidInput(
            f"{field} {value!r} is not valid; use one of: {', '.join(valid)}", field=field
        )
    return value


def _resolve_range(
    metric: MetricInfo, start: date | None, end: date | None, today: date
) -> tuple[date, date, list[str]]:
    notes: list[str] = []
    first, last = metric.first_date, metric.last_date
    if end is None:
        # Up to today while the data covers today; otherwise up to the latest data, so a
        # metric whose data stopped (or one that only holds forecasts) still answers.
        end = today if first is None or last is None or first <= today <= last else last
        if start is not None and start > end:
            end = start + timedelta(days=DEFAULT_DAYS - 1)
        notes.append(f"end_date defaulted to {end.isoformat()}")
        if last is not None and last > end:
            notes.append(f"data continues to {last.isoformat()}; pass end_date to see it")
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
        notes.append(f"start_date defaulted to {start.isoformat()} (the last {DEFAULT_DAYS} days)")
    if start > end:
        raise InvalidInput(
            f"start_date {start} is after end_date {end}; the range is inclusive and needs "
            "start_date <= end_date",
            field="start_date",
        )
    return start, end, notes


def _empty_reason(metric: MetricInfo, start: date, end: date) -> str:
    first, last = metric.first_date, metric.last_date
    if first is None or last is None:
        return (
            f"metric {metric.id} has no data yet: its data source {metric.data_source_id} "
            f"holds no daily totals for {' and '.join(metric.measures)}"
        )
    if end < first:
        return f"no data in range: the data of {metric.id} starts on {first.isoformat()}"
    if start > last:
        return f"no data in range: the latest data of {metric.id} is {last.isoformat()}"
    return (
        f"no data between {start.isoformat()} and {end.isoformat()}: the range falls in a gap "
        f"of the data, which runs from {first.isoformat()} to {last.isoformat()}"
    )


async def _cells(
    conn: AsyncConnection,
    dialect: str,
    metric: MetricInfo,
    start: date,
    end: date,
    granularity: Granularity,
    dimension: str = "",
) -> Cells:
    if metric.aggregation == "ratio" and metric.first_date and metric.last_date:
        # Sum both parts over the same days only: where the denominator runs on (bookings on
        # the books) but the numerator stops (cancellations known so far), summing each over
        # the whole bucket would divide unlike things.
        start, end = max(start, metric.first_date), min(end, metric.last_date)
        if start > end:
            return {}
    return await fetch_cells(conn, dialect, metric, start, end, granularity, dimension)


def _by_group(cells: Cells) -> dict[str, dict[date, dict[str, Parts]]]:
    out: dict[str, dict[date, dict[str, Parts]]] = {}
    for (bucket, group), parts in cells.items():
        out.setdefault(group, {})[bucket] = parts
    return out


def _series(
    metric: MetricInfo,
    spans: list[tuple[date, date]],
    by_bucket: dict[date, dict[str, Parts]],
    start: date,
    end: date,
) -> list[Point]:
    return [
        Point(
            date=first,
            value=value_of(metric, by_bucket.get(first)),
            partial=first < start or last > end,
        )
        for first, last in spans
    ]


def _change(
    day: date, previous_day: date | None, value: float | None, previous: float | None
) -> Change:
    absolute = relative = None
    if value is not None and previous is not None:
        absolute = value - previous
        relative = absolute / abs(previous) if previous != 0 else None
    return Change(
        date=day,
        previous_date=previous_day,
        value=value,
        previous=previous,
        absolute_change=absolute,
        relative_change=relative,
    )


def _summary(metric: MetricInfo) -> MetricSummary:
    return MetricSummary(
        id=metric.id,
        name=metric.name,
        unit=metric.unit,
        currency=metric.currency,
        aggregation=metric.aggregation,
        data_source_id=metric.data_source_id,
        version=metric.version,
    )


def _groups(
    metric: MetricInfo,
    spans: list[tuple[date, date]],
    group_cells: Cells,
    start: date,
    end: date,
) -> list[GroupSeries]:
    groups = [
        GroupSeries(
            value=group,
            total=value_of(metric, rollup(list(by_bucket.values()))),
            series=_series(metric, spans, by_bucket, start, end),
        )
        for group, by_bucket in _by_group(group_cells).items()
    ]
    groups.sort(key=lambda g: (g.total is None, -(g.total or 0.0), g.value))
    return groups


def _truncate(
    series: list[Point],
    groups: list[GroupSeries] | None,
    limit: int,
    all_buckets: int,
    notes: list[str],
) -> tuple[bool, list[Point], list[GroupSeries] | None]:
    """Rows are buckets x (total + groups): drop the smallest groups first when even one
    bucket per group would not fit, then keep the earliest buckets."""
    width = 1 + len(groups or [])
    if not series or len(series) * width <= limit:
        return False, series, groups
    if groups is not None and width > limit:
        notes.append(f"kept the {limit - 1} largest of {len(groups)} groups")
        groups = groups[: limit - 1]
        width = 1 + len(groups)
    keep = max(1, limit // width)
    if keep < all_buckets:
        notes.append(f"kept the first {keep} of {all_buckets} buckets")
    for group_series in groups or []:
        group_series.series = group_series.series[:keep]
    notes.append(f"the answer was cut at limit={limit}: {_NARROW}")
    return True, series[:keep], groups


def _comparison(
    metric: MetricInfo,
    mode: CompareMode,
    granularity: Granularity,
    main: tuple[date, date],
    previous: tuple[date, date],
    series: list[Point],
    total: float | None,
    previous_cells: Cells,
    truncated: bool,
    limit: int,
) -> Comparison:
    start, end = main
    previous_totals = _by_group(previous_cells).get("", {})
    previous_series = _series(
        metric,
        buckets(*previous, granularity, limit=(len(series) if truncated else limit) + 1),
        previous_totals,
        previous[0],
        previous[1],
    )
    by_start = {p.date: p for p in previous_series}
    changes = []
    for point in series:
        # Pair each bucket with the comparison bucket holding the same point in time; by
        # position would drift across 29 February and uneven months.
        day = comparable_day(max(point.date, start), start, end, mode)
        twin = by_start.get(bucket_start(day, granularity))
        if twin is None:
            changes.append(_change(point.date, None, point.value, None))
        else:
            changes.append(_change(point.date, twin.date, point.value, twin.value))
    previous_total = value_of(metric, rollup(list(previous_totals.values())))
    return Comparison(
        mode=mode,
        start_date=previous[0],
        end_date=previous[1],
        total=previous_total,
        series=previous_series,
        change=changes,
        total_change=_change(start, previous[0], total, previous_total),
    )


async def query_metric(
    db: Database, space_id: str, request: QueryRequest, *, today: date | None = None
) -> QueryResult:
    granularity: Granularity = _choice(request.granularity, GRANULARITIES, "granularity")  # type: ignore[assignment]
    compare: CompareMode | None = None
    if request.compare is not None:
        compare = _choice(request.compare, COMPARE_MODES, "compare")  # type: ignore[assignment]
    if not 1 <= request.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    start_in = parse_day(request.start_date, "start_date") if request.start_date else None
    end_in = parse_day(request.end_date, "end_date") if request.end_date else None

    async with db.read() as conn:
        metric = await fetch_metric(conn, space_id, request.metric_id)
        if request.data_source_id is not None and request.data_source_id != metric.data_source_id:
            raise InvalidInput(
                f"metric {metric.id} belongs to data source {metric.data_source_id}, "
                f"not {request.data_source_id}; leave data_source_id out or pass that one",
                field="data_source_id",
            )
        if request.group_by is not None and request.group_by not in metric.dimensions:
            valid = ", ".join(metric.dimensions) or "none (this metric has no dimensions)"
            raise InvalidInput(
                f"metric {metric.id} cannot be grouped by {request.group_by!r}; "
                f"valid dimensions: {valid}",
                field="group_by",
            )
        start, end, notes = _resolve_range(metric, start_in, end_in, today or date.today())
        cells = await _cells(conn, db.dialect, metric, start, end, granularity)
        group_cells: Cells = {}
        if request.group_by is not None:
            group_cells = await _cells(
                conn, db.dialect, metric, start, end, granularity, request.group_by
            )
        previous_cells: Cells = {}
        previous_group_cells: Cells = {}
        if compare is not None:
            previous_start, previous_end = comparison_range(start, end, compare)
            previous_cells = await _cells(
                conn, db.dialect, metric, previous_start, previous_end, granularity
            )
            if request.group_by is not None:
                previous_group_cells = await _cells(
                    conn, db.dialect, metric, previous_start, previous_end, granularity,
                    request.group_by,
                )  # fmt: skip

    spans = buckets(start, end, granularity, limit=request.limit + 1)
    totals = _by_group(cells).get("", {})
    empty_reason = None if totals else _empty_reason(metric, start, end)
    series = _series(metric, spans, totals, start, end) if totals else []
    groups = None
    if request.group_by is not None:
        groups = _groups(metric, spans, group_cells, start, end)
        if not groups:
            notes.append(f"no breakdown by {request.group_by} is stored in this range")
    all_buckets = bucket_count(start, end, granularity)
    truncated, series, groups = _truncate(series, groups, request.limit, all_buckets, notes)
    total = value_of(metric, rollup(list(totals.values())))
    comparison = None
    if compare is not None:
        comparison = _comparison(
            metric, compare, granularity, (start, end), (previous_start, previous_end),
            series, total, previous_cells, truncated, request.limit,
        )  # fmt: skip
        # Per group, the totals only: a series per group and period would swamp the answer.
        then = _by_group(previous_group_cells)
        for group in groups or []:
            before = value_of(metric, rollup(list(then.get(group.value, {}).values())))
            group.total_change = _change(start, previous_start, group.total, before)

    return QueryResult(
        metric=_summary(metric),
        start_date=start,
        end_date=end,
        granularity=granularity,
        group_by=request.group_by,
        total=total,
        series=series,
        groups=groups,
        comparison=comparison,
        truncated=truncated,
        empty_reason=empty_reason,
        notes=notes,
    )
