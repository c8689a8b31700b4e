"""The four data endpoints: check the space is reachable, call the service, shape the answer.

Each handler gets the verified caller and its validated parameters from ``app.guarded``; none
of them reads a header or catches an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from indicate_mcp import metrics
from indicate_mcp.authority.model import Caller
from indicate_mcp.metrics import QueryRequest
from indicate_mcp.server.context import ServerContext
from indicate_mcp.server.rest.models import (
    DataSourceList,
    MetricList,
    MetricListParams,
    Page,
    PageParams,
    QueryParams,
    Space,
    SpaceList,
)
from indicate_mcp.server.rest.pagination import link_header, page_url, paginate

T = TypeVar("T")


def _page(
    request: Request,
    context: ServerContext,
    items: Sequence[T],
    key: Callable[[T], str],
    params: PageParams,
) -> tuple[list[T], dict[str, str | None], dict[str, str]]:
    page, cursor = paginate(items, key, params.cursor, params.limit)
    next_url = page_url(request, context.settings.public_url, cursor) if cursor else None
    return page, {"next": next_url, "next_cursor": cursor}, link_header(next_url)


def _json(model: Page | metrics.QueryResult, headers: dict[str, str]) -> Response:
    return JSONResponse(model.model_dump(mode="json"), headers=headers)


async def list_spaces(
    request: Request, context: ServerContext, caller: Caller, params: PageParams
) -> Response:
    spaces = [Space(id=a.space_id, name=a.space_name, role=a.role) for a in caller.spaces]
    page, links, headers = _page(request, context, spaces, lambda s: s.id, params)
    return _json(SpaceList(items=page, **links), headers)


async def list_data_sources(
    request: Request, context: ServerContext, caller: Caller, params: PageParams
) -> Response:
    space = caller.require_space(request.path_params["space_id"])
    sources = await metrics.list_data_sources(context.db, space.space_id)
    page, links, headers = _page(request, context, sources, lambda s: s.id, params)
    return _json(DataSourceList(items=page, **links), headers)


async def list_metrics(
    request: Request, context: ServerContext, caller: Caller, params: MetricListParams
) -> Response:
    space = caller.require_space(request.path_params["space_id"])
    found = await metrics.list_metrics(context.db, space.space_id, params.data_source_id)
    page, links, headers = _page(request, context, found, lambda m: m.id, params)
    return _json(MetricList(items=page, **links), headers)


async def query_metric(
    request: Request, context: ServerContext, caller: Caller, params: QueryParams
) -> Response:
    space = caller.require_space(request.path_params["space_id"])
    query = QueryRequest(
        metric_id=request.path_params["metric_id"],
        **params.model_dump(exclude_none=True),
    )
    result = await metrics.query_metric(context.db, space.space_id, query)
    return _json(result, {})
