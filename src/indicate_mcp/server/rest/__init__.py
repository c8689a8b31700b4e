"""REST data API for API tokens, mounted at /api/v1 (issue 5 fills this in)."""

from __future__ import annotations

from starlette.routing import Router
from starlette.types import ASGIApp

from indicate_mcp.server.context import ServerContext


def build_rest_api(context: ServerContext) -> ASGIApp:
    return Router(routes=[])
