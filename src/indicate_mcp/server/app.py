"""One Starlette app with one lifespan: MCP over Streamable HTTP (/mcp) and legacy SSE (/sse),
the REST API (/api/v1), and liveness/readiness probes.

/mcp is stateless with JSON responses (handshake-era traffic; 2026-07-28 requests are
sessionless anyway). Why: state lives in the database, so any worker or replica can answer
any request with no sticky routing, and every request is authenticated on its own, which is
what makes revocation bite on the next call. What it gives up: server→client requests
(sampling, push elicitation) and progress notifications, none of which our tools use. Legacy
SSE is inherently a per-process session: behind several workers it needs sticky routing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from indicate_mcp.config import Settings
from indicate_mcp.db.migrate import upgrade
from indicate_mcp.server import admin_tools, data_tools, logs, resources
from indicate_mcp.server.auth import BearerGate
from indicate_mcp.server.context import ServerContext
from indicate_mcp.server.health import database_status
from indicate_mcp.server.mcp_server import IndicateMCP
from indicate_mcp.server.rest import build_rest_api

log = logging.getLogger("indicate_mcp.server")

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def build_mcp(context: ServerContext) -> IndicateMCP:
    mcp = IndicateMCP()
    data_tools.register(mcp, context)
    admin_tools.register(mcp, context)
    resources.register(mcp, context)
    return mcp


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """Hosts the DNS-rebinding check accepts: loopback, the bind address, the public URL's
    host and ``allowed_hosts``. Behind a proxy or in Docker, set INDICATE_PUBLIC_URL or
    INDICATE_ALLOWED_HOSTS (``*`` turns the check off, for a proxy that fixes Host)."""
    if "*" in settings.allowed_hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts: list[str] = list(_LOCAL_HOSTS)
    if settings.host not in ("0.0.0.0", "::", *_LOCAL_HOSTS):  # noqa: S104
        hosts.append(settings.host)
    if settings.public_url:
        netloc = urlsplit(settings.public_url).netloc
        if netloc:
            hosts.append(netloc)
    hosts.extend(settings.allowed_hosts)
    allowed: list[str] = []
    for host in dict.fromkeys(hosts):
        allowed.append(host)
        if not host.endswith(":*") and ":" not in host.rsplit("]", 1)[-1]:
            allowed.append(f"{host}:*")
    origins = [f"{scheme}://{h}" for h in allowed for scheme in ("http", "https")]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=allowed, allowed_origins=origins
    )


async def _healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _readyz(context: ServerContext) -> Route:
    async def readyz(_request: Request) -> JSONResponse:
        database = await database_status(context.db)
        ready = database == "ok"
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "database": database},
            status_code=200 if ready else 503,
        )

    return Route("/readyz", readyz, methods=["GET"])


async def _no_oauth(_request: Request) -> JSONResponse:
    # Agent tokens are static bearer credentials; there is no authorization server. mcp-remote
    # probes these paths before connecting and carries on after a 404; the SDK client rejects
    # a protected-resource document with ``authorization_servers: []`` (it requires at least
    # one), so advertising one would only lead OAuth-capable clients into a flow that cannot
    # succeed. Hence 404 here and no ``resource_metadata`` in our 401 challenges.
    return JSONResponse({"error": "not_found"}, status_code=404)


def build_app(context: ServerContext) -> Starlette:
    mcp = build_mcp(context)
    security = transport_security(context.settings)
    http_app = mcp.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=security,
    )
    sse_app = mcp.sse_app(sse_path="/sse", message_path="/messages/", transport_security=security)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await upgrade(context.db)
        flusher = asyncio.create_task(context.resolver.run_usage_flusher())
        try:
            async with mcp.session_manager.run():
                yield
        finally:
            flusher.cancel()  # the flusher writes what is pending before it stops
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            await context.db.dispose()

    routes: list[BaseRoute] = [
        Route("/healthz", _healthz, methods=["GET"]),
        _readyz(context),
        Route("/.well-known/{rest:path}", _no_oauth),
        *http_app.routes,
        *sse_app.routes,
        Mount("/api/v1", app=build_rest_api(context)),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(BearerGate, resolver=context.resolver)],
        lifespan=lifespan,
    )


def create_app() -> Starlette:
    """uvicorn's factory (``indicate_mcp.server.app:create_app``): settings from INDICATE_*."""
    settings = Settings()
    logs.install(settings.log_level)
    return build_app(ServerContext.create(settings))
