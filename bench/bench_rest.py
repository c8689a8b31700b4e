"""REST API throughput and latency against a real uvicorn process, beside a bare Starlette
JSON endpoint (the floor of this stack) and the same query through MCP.

    .venv/bin/python bench/bench_rest.py            # 10 s per measurement
    .venv/bin/python bench/bench_rest.py --quick    # 3 s per measurement, under a minute
    .venv/bin/python bench/bench_rest.py --database-url postgresql://postgres@127.0.0.1/bench

The load generator is one Python process (httpx), so at high rates it is part of what is
measured; the bare endpoint shows where that ceiling is, and the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from indicate_mcp.authority.issuance import create_token
from indicate_mcp.authority.model import Actor
from indicate_mcp.db import Database
from indicate_mcp.db.migrate import upgrade
from indicate_mcp.metrics.demo import load_demo


def bare_app() -> Starlette:
    """The floor: Starlette answering a small JSON document, no auth, no database."""

    async def hello(_: Request) -> JSONResponse:
        return JSONResponse({"series": [{"date": "2026-01-01", "value": 71.5}]})

    return Starlette(routes=[Route("/hello", hello)])


@dataclass
class Setup:
    space_id: str
    api_token: str
    agent_token: str
    query: dict[str, Any]


async def seed(url: str) -> Setup:
    db = Database(url)
    try:
        await upgrade(db)
        demo = await load_demo(db)
        space = demo.spaces[0].id
        from indicate_mcp.authority.accounts import list_accounts

        accounts = await list_accounts(db, Actor.operator(), demo.org_id)
        bot = next(a for a in accounts if a.kind == "service")
        operator = Actor.operator()
        api = await create_token(
            db, operator, space_id=space, name="bench api", kind="api", account_id=bot.id
        )
        agent = await create_token(
            db,
            operator,
            space_id=space,
            name="bench agent",
            kind="agent",
            account_id=bot.id,
            acknowledge_billing=True,
        )
    finally:
        await db.dispose()
    end = date.today()
    query = {
        "start_date": (end - timedelta(days=364)).isoformat(),
        "end_date": end.isoformat(),
        "granularity": "month",
    }
    return Setup(space, api.secret, agent.secret, query)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(target: str, env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        target,
        "--app-dir",
        str(Path(__file__).parent),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{target} exited with {process.returncode}")
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{target} did not start within 60 s") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass
class Request_:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None = None
    check: str | None = None  # a substring every good answer contains


class Load:
    """Latencies of one case, gathered over several short rounds."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.wall = 0.0

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        return {
            "rps": len(ordered) / self.wall,
            "p50_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000,
            "n": len(ordered),
        }


async def measure(
    client: httpx.AsyncClient, request: Request_, in_flight: int, seconds: float, load: Load
) -> None:
    async def once() -> float:
        started = time.perf_counter()
        r = await client.request(
            request.method, request.url, headers=request.headers, content=request.body
        )
        elapsed = time.perf_counter() - started
        if r.status_code != 200 or (request.check and request.check not in r.text):
            raise RuntimeError(f"{r.status_code}: {r.text[:300]}")
        return elapsed

    for _ in range(in_flight * 3):  # warm-up: open the connections
        await once()
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < stop:
            load.latencies.append(await once())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    load.wall += time.perf_counter() - started


def mcp_call(base: str, setup: Setup) -> Request_:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {
            "name": "query_metric",
            "arguments": {
                "metric_id": "occupancy_rate",
                "tenant_id": setup.space_id,
                **setup.query,
            },
        },
    }
    headers = {
        "Authorization": f"Bearer {setup.agent_token}",
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-06-18",
    }
    return Request_("POST", f"{base}/mcp", headers, json.dumps(body).encode(), '"series"')


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    seconds = 3.0 if args.quick else args.seconds
    rounds = 3 if args.quick else 5
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        url = args.database_url or str(Path(tmp) / "bench.db")
        started = time.perf_counter()
        setup = await seed(url)
        print(f"seeded demo data in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        env = {"INDICATE_DATABASE_URL": url, "INDICATE_LOG_LEVEL": "WARNING"}
        app = "indicate_mcp.server.app:create_app"
        bare = stack.enter_context(server("bench_rest:bare_app", env))
        full = stack.enter_context(server(app, env))
        limited = stack.enter_context(
            server(app, {**env, "INDICATE_RATE_LIMIT_PER_MINUTE": "1000000000"})
        )
        path = f"/api/v1/spaces/{setup.space_id}/metrics/occupancy_rate/query"
        auth = {"Authorization": f"Bearer {setup.api_token}"}
        rest = str(httpx.URL(path, params=setup.query))
        cases = {
            "bare starlette JSON": Request_("GET", f"{bare}/hello", {}),
            "REST query (month)": Request_("GET", full + rest, auth, check='"series"'),
            "MCP query_metric (month)": mcp_call(full, setup),
            "REST query, rate limit on": Request_("GET", limited + rest, auth, check='"series"'),
        }
        rows: list[dict[str, Any]] = []
        for in_flight in (1, 8):
            loads = {name: Load() for name in cases}
            limits = httpx.Limits(max_connections=in_flight * len(cases))
            async with httpx.AsyncClient(limits=limits, timeout=30) as client:
                # Round-robin short rounds, so background load on the machine hits every
                # case alike instead of whichever ran during a busy spell.
                for _ in range(rounds):
                    for name, request in cases.items():
                        await measure(client, request, in_flight, seconds / rounds, loads[name])
            for name, load in loads.items():
                rows.append({"case": name, "in_flight": in_flight, **load.summary()})
                print(f"  {name:28} {in_flight}: {rows[-1]['rps']:7.0f} req/s", file=sys.stderr)
    return rows


def report(rows: list[dict[str, Any]]) -> None:
    floor = {r["in_flight"]: r["rps"] for r in rows if r["case"].startswith("bare")}
    print(f"{'case':30} {'in flight':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'vs bare':>8}")
    for r in rows:
        ratio = r["rps"] / floor[r["in_flight"]]
        print(
            f"{r['case']:30} {r['in_flight']:>9} {r['rps']:>8.0f} {r['p50_ms']:>8.2f} "
            f"{r['p95_ms']:>8.2f} {ratio:>8.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s per measurement")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    rows = asyncio.run(run(args))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        report(rows)


if __name__ == "__main__":
    main()
