"""MCP test support: the authority world plus a little metric data, the real app in-process,
SDK clients over it, and a real ``indicate-mcp serve`` subprocess on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.applications import Starlette

from authority_world import World, build_world
from indicate_mcp.config import Settings
from indicate_mcp.server.app import build_app
from indicate_mcp.server.context import ServerContext
from live_process import free_port, stop, wait_until_ready
from metrics_support import make_source, put_metric, put_values, totals

BASE = "http://127.0.0.1:8123"
CLI = [str(Path(sys.executable).with_name("indicate-mcp"))]


@dataclass
class McpWorld:
    world: World
    source_id: str
    owner_multi: str  # Olga: owner of hotel and lake, multi-space
    admin: str  # Adam: admin of hotel, single
    reader: str  # Rita: reader of hotel, single
    stranger: str  # Sven: owner of another organisation's space
    api: str  # an API token of Olga (enterprise plan)


async def seed(context: ServerContext) -> McpWorld:
    w = await build_world(context.db)
    source = await make_source(context.db, w.hotel.id)
    await put_metric(
        context.db,
        w.hotel.id,
        source,
        id="rooms_sold",
        name="Rooms sold",
        unit="count",
        aggregation="sum",
        measure="rooms_sold",
        dimensions=["channel"],
    )
    await put_metric(
        context.db,
        w.hotel.id,
        source,
        id="occupancy",
        name="Occupancy",
        unit="percent",
        aggregation="ratio",
        numerator="rooms_sold",
        denominator="rooms_available",
        multiplier=100,
    )
    await put_values(context.db, source, totals("rooms_sold", "2026-01-01", [10.0] * 31))
    await put_values(context.db, source, totals("rooms_available", "2026-01-01", [40.0] * 31))
    await put_values(
        context.db,
        source,
        [
            ("rooms_sold", "2026-01-01", 6.0, "channel", "direct"),
            ("rooms_sold", "2026-01-01", 4.0, "channel", "booking_com"),
        ],
    )
    return McpWorld(
        w,
        source,
        (await w.agent_token(w.owner, scope="multi")).secret,
        (await w.agent_token(w.admin)).secret,
        (await w.agent_token(w.reader)).secret,
        (await w.agent_token(w.stranger, space=w.outsider_space)).secret,
        (await w.api_token(w.owner)).secret,
    )


@asynccontextmanager
async def running_app(
    db_url: str, **settings: Any
) -> AsyncIterator[tuple[Starlette, ServerContext]]:
    """The real app with its lifespan entered (ASGITransport does not run lifespans)."""
    context = ServerContext.create(Settings(database_url=db_url, **settings))
    app = build_app(context)
    async with app.router.lifespan_context(app):
        yield app, context


def http(app: Starlette, token: str | None = None, **headers: str) -> httpx2.AsyncClient:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url=BASE, headers=headers
    )


def client(app: Starlette, token: str, mode: str = "legacy") -> Client:
    return Client(
        streamable_http_client(f"{BASE}/mcp", http_client=http(app, token)),
        mode=mode,  # type: ignore[arg-type]
    )


def url_client(base: str, token: str, mode: str = "legacy") -> Client:
    transport = streamable_http_client(
        f"{base}/mcp",
        http_client=httpx2.AsyncClient(
            headers={"Authorization": f"Bearer {token}"}, timeout=httpx2.Timeout(30, read=60)
        ),
    )
    return Client(transport, mode=mode)  # type: ignore[arg-type]


@dataclass
class Served:
    proc: subprocess.Popen[str]
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serve(
    database: str,
    logdir: Path,
    *args: str,
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[Served]:
    port = port or free_port()
    log = logdir / f"serve-{port}.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [*CLI, "serve", "--database", database, "--port", str(port), *args],
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    served = Served(proc, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_ready(f"{served.base}/readyz", proc, log=log, timeout=90)
        yield served
    finally:
        stop(proc)
