"""Assembles the REST API: one guard around every data endpoint, in this order: credentials,
rate limit, query parameters, handler; every error becomes a problem document on the way out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from indicate_mcp.authority.model import Caller
from indicate_mcp.errors import IndicateError
from indicate_mcp.server.context import ServerContext
from indicate_mcp.server.rest import handlers
from indicate_mcp.server.rest.auth import authenticate
from indicate_mcp.server.rest.middleware import RequestContextMiddleware
from indicate_mcp.server.rest.models import Params
from indicate_mcp.server.rest.openapi import OPERATIONS, build_document
from indicate_mcp.server.rest.params import parse_params
from indicate_mcp.server.rest.problems import from_error, internal_error, problem
from indicate_mcp.server.rest.ratelimit import Quota, RateLimiter

P = TypeVar("P", bound=Params)
Handler = Callable[[Request, ServerContext, Caller, P], Awaitable[Response]]

_HANDLERS: dict[str, Handler[Any]] = {
    "listSpaces": handlers.list_spaces,
    "listDataSources": handlers.list_data_sources,
    "listMetrics": handlers.list_metrics,
    "queryMetric": handlers.query_metric,
}


def guarded(
    context: ServerContext, limiter: RateLimiter, params_model: type[P], handler: Handler[P]
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        quota: Quota | None = None
        try:
            caller = await authenticate(request, context)
            request.state.token_id = caller.token_id
            quota = await limiter.hit(caller.token_id)
            if quota is not None and quota.exceeded:
                response: Response = problem(
                    request,
                    429,
                    "rate_limited",
                    f"this token may make {quota.limit} requests a minute; "
                    f"retry in {quota.reset_after} s",
                )
            else:
                params = parse_params(request.query_params, params_model)
                response = await handler(request, context, caller, params)
        except IndicateError as exc:
            response = from_error(request, exc)
        except Exception as exc:  # the boundary: log it, answer a problem, never a stack
            response = internal_error(request, exc)
        # Data and errors alike are about one token's view: no cache may keep them.
        response.headers["Cache-Control"] = "no-store"
        if quota is not None:
            response.headers.update(quota.headers())
        return response

    return endpoint


async def _http_error(request: Request, exc: Exception) -> Response:
    # Unknown paths and wrong methods: same problem shape as everything else.
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "invalid_request")
    detail = {
        404: "no such endpoint; see /api/v1/openapi.json",
        405: "this endpoint only answers GET",
    }.get(exc.status_code, exc.detail)
    return problem(request, exc.status_code, code, detail, headers=exc.headers)


def build_app(context: ServerContext, *, clock: Callable[[], float] = time.time) -> Starlette:
    limiter = RateLimiter(context.db, context.settings.rate_limit_per_minute, clock=clock)
    document = json.dumps(build_document()).encode("utf-8")

    async def openapi(_: Request) -> Response:
        return Response(document, media_type="application/json")

    routes = [Route("/openapi.json", openapi, methods=["GET"])]
    for op in OPERATIONS:
        assert op.params is not None
        endpoint = guarded(context, limiter, op.params, _HANDLERS[op.operation_id])
        routes.append(Route(op.path, endpoint, methods=["GET"], name=op.operation_id))
    return Starlette(
        routes=routes,
        middleware=[Middleware(RequestContextMiddleware)],
        exception_handlers={HTTPException: _http_error},
    )
