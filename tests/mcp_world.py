"""MCP test support: the authority world plus a little metric data, the real app in-process,
SDK clients over it, and a real ``indicate-mcp serve`` subprocess on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    proc: subprocess.Popen[str]
    base: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_ready(base: str, proc: subprocess.Popen[str], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx2.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"server not ready after {timeout}s:\n{log.read_text()}")


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
        wait_ready(served.base, proc, log)
        yield served
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
