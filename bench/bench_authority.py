"""Benchmark of the token authority.

Measures, on SQLite and on PostgreSQL:

- ``Resolver.resolve()`` of a valid agent token with 100,000 tokens stored (median, p99);
- the cost of refusing a malformed token and one with a bad checksum, which must involve no
  I/O at all: those are resolved against a database whose URL points at a closed port;
- create and revoke throughput through ``issuance.create_token`` / ``revoke_token``,
  sequential, each one an audited transaction.

    .venv/bin/python bench/bench_authority.py            # 100,000 tokens (a few minutes)
    .venv/bin/python bench/bench_authority.py --quick    # 10,000 tokens (under a minute)

PostgreSQL: a database ``indicate_bench_<random>`` is created on --pg-url (default
postgresql://postgres@127.0.0.1:5432/test) and dropped afterwards. ``--no-postgres`` skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

from indicate_mcp.authority import accounts, issuance, memberships, organisations, spaces
from indicate_mcp.authority.model import Actor
from indicate_mcp.authority.resolver import Resolver
from indicate_mcp.authority.tokens import mint
from indicate_mcp.db import Database
from indicate_mcp.db.migrate import upgrade
from indicate_mcp.db.tables import tokens
from indicate_mcp.errors import AuthenticationFailed

OPERATOR = Actor.operator()
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
CHUNK = 5_000


@dataclass
class Figures:
    backend: str
    stored: int = 0
    insert_s: float = 0.0
    resolve_ns: list[int] = field(default_factory=list)
    create_per_s: float = 0.0
    revoke_per_s: float = 0.0


def median_ms(samples: list[int]) -> float:
    return statistics.median(samples) / 1e6


def p99_ms(samples: list[int]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6


async def timed(n: int, call: Callable[[], Awaitable[object]]) -> list[int]:
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        await call()
        samples.append(time.perf_counter_ns() - start)
    return samples


async def seed(db: Database, count: int) -> tuple[str, str, str]:
    """An organisation, space and account through the services; ``count`` token rows inserted
    directly (real hashes of minted tokens). Returns (space_id, account_id, a valid secret)."""
    org = await organisations.create_organisation(
        db, OPERATOR, name="Bench Group", plan="enterprise"
    )
    space = await spaces.create_space(db, OPERATOR, org_id=org.id, name="Bench Hotel")
    account = await accounts.create_service_account(db, OPERATOR, org_id=org.id, name="bench bot")
    await memberships.add_member(
        db, OPERATOR, space_id=space.id, account_id=account.id, role="user"
    )
    now = datetime.now(UTC)
    valid = ""
    for offset in range(0, count, CHUNK):
        rows = []
        for i in range(offset, min(count, offset + CHUNK)):
            issued = mint("agent")
            if i == count // 2 + 1:
                valid = issued.plaintext  # one in the middle of the index
            rows.append(
                {
                    "id": issued.token_id,
                    "org_id": org.id,
                    "space_id": space.id,
                    "account_id": account.id,
                    "kind": "agent",
                    "scope": "single" if i % 4 else "multi",
                    "name": f"bench token {i}",
                    "status": "active" if i % 10 else "revoked",
                    "secret_hash": issued.secret_hash,
                    "created_at": now,
                    "created_by": "bench",
                    "billing_start": now.date(),
                }
            )
        async with db.write() as conn:
            await conn.execute(insert(tokens), rows)
    async with db.write() as conn:  # fresh statistics, as autovacuum would soon provide
        await conn.execute(text("ANALYZE"))
    return space.id, account.id, valid


async def run_backend(name: str, url: str, count: int, lookups: int, writes: int) -> Figures:
    figures = Figures(name, stored=count)
    db = Database(url)
    try:
        await upgrade(db)
        start = time.perf_counter()
        space_id, account_id, valid = await seed(db, count)
        figures.insert_s = time.perf_counter() - start

        resolver = Resolver(db)
        caller = await resolver.resolve(valid, "mcp")
        assert caller.account_id == account_id
        await timed(min(200, lookups), lambda: resolver.resolve(valid, "mcp"))  # warm-up
        figures.resolve_ns = await timed(lookups, lambda: resolver.resolve(valid, "mcp"))

        created: list[str] = []

        async def create() -> None:
            issued = await issuance.create_token(
                db,
                OPERATOR,
                space_id=space_id,
                name=f"created {len(created)}",
                account_id=account_id,
                acknowledge_billing=True,
            )
            created.append(issued.token.id)

        start = time.perf_counter()
        for _ in range(writes):
            await create()
        figures.create_per_s = writes / (time.perf_counter() - start)

        start = time.perf_counter()
        for token_id in created:
            await issuance.revoke_token(db, OPERATOR, token_id)
        figures.revoke_per_s = writes / (time.perf_counter() - start)
        figures.stored = count + writes
    finally:
        await db.dispose()
    return figures


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def no_io_refusals(iterations: int) -> dict[str, list[int]]:
    """Malformed and bad-checksum tokens, resolved against a database that cannot be reached:
    they are refused without touching it. A well-formed token, to prove the point, cannot be
    resolved there at all."""
    db = Database(f"postgresql://bench@127.0.0.1:{closed_port()}/unreachable")
    resolver = Resolver(db)
    good = mint("agent").plaintext
    bad_checksum = good[:-1] + ("A" if good[-1] != "A" else "B")
    cases = {
        "malformed": "ind_agent_not-a-token",
        "bad checksum": bad_checksum,
    }
    results: dict[str, list[int]] = {}
    try:
        for label, raw in cases.items():
            expected = "malformed" if label == "malformed" else "bad_checksum"

            async def refuse(raw: str = raw, expected: str = expected) -> None:
                try:
                    await resolver.resolve(raw, "mcp")
                except AuthenticationFailed as refused:
                    assert refused.reason == expected, refused.reason
                else:
                    raise AssertionError(f"{raw!r} was not refused")

            await timed(1000, refuse)
            results[label] = await timed(iterations, refuse)
        try:
            await resolver.resolve(good, "mcp")
        except AuthenticationFailed as exc:
            raise AssertionError("a well-formed token resolved without a database") from exc
        except Exception as exc:  # connection refused: the database really is unreachable
            print(f"  control: a well-formed token needs the database → {type(exc).__name__}")
        else:
            raise AssertionError("a well-formed token resolved without a database")
    finally:
        await db.dispose()
    return results


async def create_pg_database(admin_url: str) -> tuple[str, str]:
    import asyncpg

    name = f"indicate_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = admin_url.rpartition("/")[0]
    return name, f"{base}/{name}"


async def drop_pg_database(admin_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> int:
    count = 10_000 if args.quick else args.tokens
    lookups = 2_000 if args.quick else 10_000
    writes = 200 if args.quick else 1_000
    refusals = 20_000 if args.quick else 100_000
    print(f"indicate-mcp authority benchmark: {count:,} stored tokens, {lookups:,} lookups, "
          f"{writes:,} creates and revokes per backend")  # fmt: skip

    print("no-I/O refusals (database URL points at a closed port) …")
    cheap = await no_io_refusals(refusals)

    results: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="indicate-bench-") as tmp:
        print("SQLite …")
        results.append(
            await run_backend("SQLite", str(Path(tmp) / "bench.db"), count, lookups, writes)
        )
    if not args.no_postgres:
        print("PostgreSQL …")
        name, url = await create_pg_database(args.pg_url)
        try:
            results.append(await run_backend("PostgreSQL", url, count, lookups, writes))
        finally:
            await drop_pg_database(args.pg_url, name)

    malformed = median_ms(cheap["malformed"])
    print()
    print(f"{'':28}" + "".join(f"{f.backend:>14}" for f in results))
    rows: list[tuple[str, Callable[[Figures], str]]] = [
        ("tokens stored (after run)", lambda f: f"{f.stored:,}"),
        ("bulk insert (s)", lambda f: f"{f.insert_s:.1f}"),
        ("resolve median (ms)", lambda f: f"{median_ms(f.resolve_ns):.3f}"),
        ("resolve p99 (ms)", lambda f: f"{p99_ms(f.resolve_ns):.3f}"),
        ("resolve / malformed", lambda f: f"{median_ms(f.resolve_ns) / malformed:,.0f}×"),
        ("create (tokens/s)", lambda f: f"{f.create_per_s:,.0f}"),
        ("revoke (tokens/s)", lambda f: f"{f.revoke_per_s:,.0f}"),
    ]
    for label, cell in rows:
        print(f"{label:28}" + "".join(f"{cell(f):>14}" for f in results))
    print()
    for label, samples in cheap.items():
        print(
            f"refuse {label:13} (no I/O): median {median_ms(samples) * 1000:.2f} µs, "
            f"p99 {p99_ms(samples) * 1000:.2f} µs"
        )
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 tokens, fewer samples.")
    parser.add_argument("--tokens", type=int, default=100_000, help="Tokens stored (full run).")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="PostgreSQL server (admin URL).")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only.")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args(sys.argv[1:]))))
