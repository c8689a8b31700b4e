"""REST data API for API tokens, mounted at /api/v1: spaces, data sources, metrics and metric
queries, answered by the same engine as the MCP tools, plus its OpenAPI document."""

from __future__ import annotations

from starlette.types import ASGIApp

from indicate_mcp.server.context import ServerContext
from indicate_mcp.server.rest.app import build_app


def build_rest_api(context: ServerContext) -> ASGIApp:
    return build_app(context)


__all__ = ["build_rest_api"]
