"""The question and the answer of the query engine, shared by MCP, REST and the CLI.

The request is deliberately lenient (plain strings): the engine validates it and raises
``InvalidInput`` naming the valid values, so every surface reports a bad argument the same way
instead of leaking pydantic's messages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field, field_validator

from indicate_mcp.metrics.periods import COMPARE_MODES, GRANULARITIES

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
DEFAULT_DAYS = 30


class QueryRequest(BaseModel):
    metric_id: str
    data_source_id: str | None = None
    start_date: str | None = Field(default=None, description="YYYY-MM-DD, inclusive")
    end_date: str | None = Field(default=None, description="YYYY-MM-DD, inclusive")
    granularity: str = Field(default="day", json_schema_extra={"enum": list(GRANULARITIES)})
    group_by: str | None = Field(default=None, description="one of the metric's dimensions")
    compare: str | None = Field(default=None, json_schema_extra={"enum": list(COMPARE_MODES)})
    limit: int = Field(default=DEFAULT_LIMIT, description=f"rows, 1 to {MAX_LIMIT}")

    @field_validator("start_date", "end_date", mode="before")
    @classmethod
    def _dates(cls, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value


class MetricSummary(BaseModel):
    id: str
    name: str
    unit: str
    currency: str | None
    aggregation: str
    data_source_id: str
    version: int


class Point(BaseModel):
    date: dt.date = Field(description="first day of the bucket")
    value: float | None
    partial: bool = Field(default=False, description="the date range cuts this bucket")


class Change(BaseModel):
    date: dt.date
    previous_date: dt.date | None = Field(description="bucket of the comparison period")
    value: float | None
    previous: float | None
    absolute_change: float | None
    relative_change: float | None = Field(description="fraction: 0.05 means +5 %")


class GroupSeries(BaseModel):
    value: str = Field(description="the dimension value, e.g. booking_com")
    total: float | None = Field(description="the metric over the whole range for this group")
    series: list[Point]
    total_change: Change | None = Field(
        default=None, description="with compare: this group's total against the same group then"
    )


class Comparison(BaseModel):
    mode: str
    start_date: dt.date
    end_date: dt.date
    total: float | None
    series: list[Point]
    change: list[Change]
    total_change: Change


class QueryResult(BaseModel):
    metric: MetricSummary
    start_date: dt.date
    end_date: dt.date
    granularity: str
    group_by: str | None = None
    total: float | None = Field(description="the metric over the whole range")
    series: list[Point]
    groups: list[GroupSeries] | None = None
    comparison: Comparison | None = None
    truncated: bool = False
    empty_reason: str | None = None
    notes: list[str] = Field(default_factory=list)
