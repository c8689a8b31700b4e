"""Calendar arithmetic of the query engine: buckets, ranges and comparison periods.

Pure functions on ``datetime.date``, so the bucketing rules are tested once and the SQL side
(``sqlparts.bucket_expr``) only has to agree with ``bucket_start``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from indicate_mcp.errors import InvalidInput

Granularity = Literal["day", "week", "month", "quarter", "year"]
GRANULARITIES: tuple[Granularity, ...] = ("day", "week", "month", "quarter", "year")
CompareMode = Literal["previous_period", "previous_year"]
COMPARE_MODES: tuple[CompareMode, ...] = ("previous_period", "previous_year")
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


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


def buckets(
    start: date, end: date, granularity: Granularity, limit: int | None = None
) -> list[tuple[date, date]]:
    """Natural (first day, last day) of the buckets that touch [start, end], at most ``limit``
    of them: a century of days must not become a million points only to be cut."""
    out: list[tuple[date, date]] = []
    current = bucket_start(start, granularity)
    while current <= end and (limit is None or len(out) < limit):
        following = next_bucket(current, granularity)
        out.append((current, following - timedelta(days=1)))
        current = following
    return out


def bucket_count(start: date, end: date, granularity: Granularity) -> int:
    first, last = bucket_start(start, granularity), bucket_start(end, granularity)
    if granularity in ("day", "week"):
        return (last - first).days // (1 if granularity == "day" else 7) + 1
    months = (last.year - first.year) * 12 + last.month - first.month
    return months // {"month": 1, "quarter": 3, "year": 12}[granularity] + 1


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
    day = value if isinstance(value, date) else _parse_text(value, field)
    # Bounded so that defaults and comparison periods never step outside the calendar.
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(
            f"{field} {day.isoformat()} is out of range; use a date between "
            f"{FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}",
            field=field,
        )
    return day


def _parse_text(value: str, field: str) -> date:
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
