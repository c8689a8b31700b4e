"""Calendar arithmetic of the query engine: buckets, ranges and comparison periods.

Pure functions on ``datetime.date``, so the bucketing rules are tested once and the SQL side
(``sqlparts.bucket_expr``) only has to agree with ``bucket_start``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

Granularity = Literal["day", "week", "month", "quarter", "year"]
GRANULARITIES: tuple[Granularity, ...] = ("day", "week", "month", "quarter", "year")
CompareMode = Literal["previous_period", "previous_year"]
COMPARE_MODES: tuple[CompareMode, ...] = ("previous_period", "previous_year")


def bucket_start(day: date, granularity: Granularity) -> date:
    if granularity == "day":
        return day
    if granularity == "week":  # ISO weeks start on Monday
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def next_bucket(start: date, granularity: Granularity) -> date:
    if granularity == "day":
        return start + timedelta(days=1)
    if granularity == "week":
        return start + timedelta(days=7)
    step = {"month": 1, "quarter": 3, "year": 12}[granularity]
    months = start.year * 12 + start.month - 1 + step
    return date(months // 12, months % 12 + 1, 1)


def buckets(start: date, end: date, granularity: Granularity) -> list[tuple[date, date]]:
    """Natural (first day, last day) of every bucket that touches [start, end]."""
    out: list[tuple[date, date]] = []
    current = bucket_start(start, granularity)
    while current <= end:
        following = next_bucket(current, granularity)
        out.append((current, following - timedelta(days=1)))
        current = following
    return out


def one_year_earlier(day: date) -> date:
    # 29 February has no twin a year earlier; the 28th is the same point in the season.
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def comparison_range(start: date, end: date, mode: CompareMode) -> tuple[date, date]:
    if mode == "previous_year":
        return one_year_earlier(start), one_year_earlier(end)
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def comparable_day(day: date, start: date, end: date, mode: CompareMode) -> date:
    """The day of the comparison period that ``day`` of the main period is compared with."""
    if mode == "previous_year":
        return one_year_earlier(day)
    return day - timedelta(days=(end - start).days + 1)


def parse_day(value: str | date, field: str) -> date:
    from indicate_mcp.errors import InvalidInput

    if isinstance(value, date):
        return value
    text = value.strip()
    # fromisoformat alone would also accept 20240101 and 2024-W01-1; the contract is YYYY-MM-DD.
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise InvalidInput(f"{field} must be a date written YYYY-MM-DD, got {value!r}", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{field} must be a real calendar date written YYYY-MM-DD, got {value!r}", field=field
        ) from None
