"""What the REST API accepts and returns, as pydantic models.

The handlers validate and serialise with these, and ``openapi.py`` generates the document from
them, so the two cannot drift. Space data reuses the engine's own models (``DataSource``,
``MetricInfo``, ``QueryResult``): one answer for every consumer.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from indicate_mcp.authority.model import Role
from indicate_mcp.metrics import DataSource, MetricInfo
from indicate_mcp.metrics.query import DEFAULT_LIMIT, MAX_LIMIT
from indicate_mcp.server.rest.pagination import CURSOR_PATTERN, DEFAULT_PAGE, MAX_PAGE

# Literals rather than the engine's tuples so the schema carries an enum;
# tests/test_rest_models.py checks they equal GRANULARITIES and COMPARE_MODES.
GranularityParam = Literal["day", "week", "month", "quarter", "year"]
CompareParam = Literal["previous_period", "previous_year"]


class Params(BaseModel):
    """Query parameters. Unknown ones are refused by name, before validation."""

    model_config = ConfigDict(extra="forbid")


class PageParams(Params):
    limit: int = Field(
        default=DEFAULT_PAGE, ge=1, le=MAX_PAGE, description=f"items per page, 1 to {MAX_PAGE}"
    )
    cursor: str | None = Field(
        default=None,
        max_length=256,
        pattern=CURSOR_PATTERN,
        description="from the 'next' link of the previous page",
    )


class MetricListParams(PageParams):
    data_source_id: str | None = Field(
        default=None, max_length=128, description="only the metrics of this data source"
    )


class QueryParams(Params):
    start_date: dt.date | None = Field(
        default=None, description="YYYY-MM-DD, inclusive; default: 30 days before end_date"
    )
    end_date: dt.date | None = Field(
        default=None, description="YYYY-MM-DD, inclusive; default: today, or the last data day"
    )
    granularity: GranularityParam = "day"
    group_by: str | None = Field(
        default=None, max_length=64, description="one of the metric's dimensions"
    )
    compare: CompareParam | None = Field(default=None, description="add a comparison period")
    limit: int = Field(
        default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"rows, 1 to {MAX_LIMIT}"
    )
    data_source_id: str | None = Field(
        default=None, max_length=128, description="must be the metric's own data source"
    )


class Space(BaseModel):
    id: str
    name: str
    role: Role = Field(description="the token's account's role in the space")


class Page(BaseModel):
    next: str | None = Field(description="absolute URL of the next page; null on the last")
    next_cursor: str | None = Field(description="the cursor in 'next', for clients that build URLs")


class SpaceList(Page):
    items: list[Space]


class DataSourceList(Page):
    items: list[DataSource]


class MetricList(Page):
    items: list[MetricInfo]
