"""query_metric through the full stack vs a bare MCPServer, side by side in one run.

Full stack: ``indicate-mcp serve`` (uvicorn subprocess, bearer gate + resolver, SQLite demo
database, metric engine, structured JSON). Bare: an ``MCPServer`` with one trivial tool and no
auth, same transport settings (stateless, JSON responses), also a uvicorn subprocess. The
client sends raw JSON-RPC POSTs over keep-alive connections at 1 and 8 in flight.

Server CPU per call comes from /proc/<pid>/stat (utime+stime) around each run; the share spent
verifying the token is resolve()'s CPU per call measured in-process on the same database.

    python bench/bench_mcp.py            # 1000 calls per run, median of 3
    python bench/bench_mcp.py --quick    # 200 calls per run, once (under a minute)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": "2025-11-25",
}
TICKS = os.sysconf("SC_CLK_TCK")
TOKEN = re.compile(r"^(ind_agent_\w{12}_\w{38})$", re.M)


class Echo(BaseModel):
    value: str


def bare_server(port: int) -> None:
    import uvicorn
    from mcp.server.mcpserver import MCPServer

    mcp = MCPServer("bare", version="0", log_level="WARNING")

    @mcp.tool()
    async def echo(value: str) -> Echo:
        return Echo(value=value)

    app = mcp.streamable_http_app(stateless_http=True, json_response=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(port)


def call(tool: str, arguments: dict[str, Any], i: int = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": i,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments},
    }


async def run(
    url: str, headers: dict[str, str], body: dict[str, Any], calls: int, conc: int, pid: int
) -> dict[str, float]:
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        for _ in range(30):  # warm-up
            (await client.post(url, json=body)).raise_for_status()
        latencies: list[float] = []
        remaining = calls

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                t0 = time.perf_counter()
                response = await client.post(url, json=body)
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200 or '"isError":true' in response.text:
                    raise RuntimeError(response.text[:300])

        cpu0, wall0 = cpu_seconds(pid), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conc)))
        wall, cpu = time.perf_counter() - wall0, cpu_seconds(pid) - cpu0
    latencies.sort()
    return {
        "rate": len(latencies) / wall,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p95": latencies[int(len(latencies) * 0.95)] * 1000,
        "cpu": cpu / len(latencies) * 1000,
    }


async def resolve_cpu_ms(database: str, token: str, n: int) -> float:
    from indicate_mcp.authority.resolver import Resolver
    from indicate_mcp.db import Database

    db = Database(database)
    resolver = Resolver(db)
    try:
        for _ in range(50):
            await resolver.resolve(token, "mcp")
        t0 = time.process_time()
        for _ in range(n):
            await resolver.resolve(token, "mcp")
        return (time.process_time() - t0) / n * 1000
    finally:
        await db.dispose()


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        bare_server(args.bare_server)
        return
    calls, repeats = (200, 1) if args.quick else (1000, 3)
    tmp = Path(tempfile.mkdtemp(prefix="bench-mcp-"))
    database = str(tmp / "demo.db")
    cli = str(Path(sys.executable).with_name("indicate-mcp"))
    full_port, bare_port = free_port(), free_port()
    full_log = tmp / "serve.log"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with full_log.open("wb") as sink:
            full = subprocess.Popen(
                [
                    cli,
                    "serve",
                    "--database",
                    database,
                    "--port",
                    str(full_port),
                    "--log-level",
                    "warning",
                ],
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        procs.append(full)
        bare = subprocess.Popen([sys.executable, __file__, "--bare-server", str(bare_port)])
        procs.append(bare)
        wait_ready(full_port, full)
        wait_ready(bare_port, bare)
        match = TOKEN.search(full_log.read_text())
        assert match, full_log.read_text()
        token = match.group(1)
        auth = {**HEADERS, "Authorization": f"Bearer {token}"}
        full_url = f"http://127.0.0.1:{full_port}/mcp"
        tenants = httpx.post(full_url, json=call("list_tenants", {}), headers=auth).json()
        tenant = tenants["result"]["structuredContent"]["tenants"][0]["tenant_id"]
        query = call(
            "query_metric",
            {"tenant_id": tenant, "metric_id": "occupancy_rate", "granularity": "day"},
        )
        echo = call("echo", {"value": "x"})
        rows = []
        for conc in (1, 8):
            f = median_of(
                [
                    asyncio.run(run(full_url, auth, query, calls, conc, full.pid))
                    for _ in range(repeats)
                ]
            )
            b = median_of(
                [
                    asyncio.run(
                        run(
                            f"http://127.0.0.1:{bare_port}/mcp",
                            HEADERS,
                            echo,
                            calls,
                            conc,
                            bare.pid,
                        )
                    )
                    for _ in range(repeats)
                ]
            )
            rows.append((conc, f, b))
        verify = asyncio.run(resolve_cpu_ms(database, token, calls * 2))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
    print(f"\n{calls} calls per run, median of {repeats}; CPU = server process utime+stime/call")
    print(
        f"{'in flight':>9} | {'server':<28} | {'calls/s':>8} | {'p50 ms':>7} | {'p95 ms':>7}"
        f" | {'CPU ms':>7}"
    )
    for conc, f, b in rows:
        for label, r in (("full query_metric", f), ("bare MCPServer echo", b)):
            print(
                f"{conc:>9} | {label:<28} | {r['rate']:>8.0f} | {r['p50']:>7.2f} | "
                f"{r['p95']:>7.2f} | {r['cpu']:>7.2f}"
            )
        print(
            f"{'':>9} | {'ratio full/bare':<28} | {f['rate'] / b['rate']:>8.2f} | "
            f"{f['p50'] / b['p50']:>7.2f} | {f['p95'] / b['p95']:>7.2f} | "
            f"{f['cpu'] / b['cpu']:>7.2f}"
        )
    full_cpu = statistics.mean(f["cpu"] for _, f, _ in rows)
    print(
        f"\ntoken verification (resolve, in-process, same SQLite): {verify:.3f} ms CPU/call = "
        f"{verify / full_cpu:.0%} of the full stack's {full_cpu:.2f} ms server CPU per call"
    )


if __name__ == "__main__":
    main()
