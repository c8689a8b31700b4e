"""The per-token rate limit, counted in the database so every worker shares it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from indicate_mcp.db import Database
from indicate_mcp.db.tables import rate_limit_windows
from indicate_mcp.server.rest.ratelimit import RateLimiter
from rest_world import RestWorld, build_world, client_for, make_context, mounted


class Clock:
    """Wall time the test moves by hand, so a minute boundary never splits an assertion."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:  # 30 s before a minute's end
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def rw(db: Database) -> RestWorld:
    return await build_world(db)


async def test_429_with_retry_after_then_a_new_window(
    db: Database, db_url: str, rw: RestWorld
) -> None:
    clock = Clock()
    app = mounted(make_context(db, db_url, rate_limit_per_minute=3), clock=clock)
    async with client_for(app) as client:
        for remaining in (2, 1, 0):
            r = await client.get("/api/v1/spaces", headers=rw.auth(rw.single))
            assert r.status_code == 200
            assert r.headers["X-RateLimit-Limit"] == "3"
            assert r.headers["X-RateLimit-Remaining"] == str(remaining)
        r = await client.get("/api/v1/spaces", headers=rw.auth(rw.single))
        assert r.status_code == 429
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["Retry-After"] == "60"  # 1_800_000_000 is a minute boundary
        assert r.json()["code"] == "rate_limited"
        # Another token has its own budget.
        assert (await client.get("/api/v1/spaces", headers=rw.auth(rw.multi))).status_code == 200
        clock.now += 45
        r = await client.get("/api/v1/spaces", headers=rw.auth(rw.single))
        assert r.status_code == 429 and r.headers["Retry-After"] == "15"
        clock.now += 15
        r = await client.get("/api/v1/spaces", headers=rw.auth(rw.single))
        assert r.status_code == 200 and r.headers["X-RateLimit-Remaining"] == "2"


async def test_the_limit_is_shared_by_two_apps_on_one_database(db_url: str, rw: RestWorld) -> None:
    clock = Clock()
    first, second = Database(db_url), Database(db_url)  # two workers: own engines and resolvers
    try:
        app_a = mounted(make_context(first, db_url, rate_limit_per_minute=4), clock=clock)
        app_b = mounted(make_context(second, db_url, rate_limit_per_minute=4), clock=clock)
        async with client_for(app_a) as a, client_for(app_b) as b:
            statuses = []
            for client in (a, b, a, b, a, b):
                r = await client.get("/api/v1/spaces", headers=rw.auth(rw.single))
                statuses.append(r.status_code)
        assert statuses == [200, 200, 200, 200, 429, 429]
    finally:
        await first.dispose()
        await second.dispose()


async def test_off_by_default_and_no_headers(db: Database, db_url: str, rw: RestWorld) -> None:
    async with client_for(mounted(make_context(db, db_url))) as client:
        r = await client.get("/api/v1/spaces", headers=rw.auth(rw.single))
    assert r.status_code == 200 and "X-RateLimit-Limit" not in r.headers
    async with db.read() as conn:
        count = (await conn.execute(select(func.count()).select_from(rate_limit_windows))).scalar()
    assert count == 0


async def test_refused_requests_are_not_counted(db: Database, db_url: str, rw: RestWorld) -> None:
    app = mounted(make_context(db, db_url, rate_limit_per_minute=1), clock=Clock())
    async with client_for(app) as client:
        for _ in range(3):
            r = await client.get("/api/v1/spaces", headers=rw.auth(rw.agent))
            assert r.status_code == 403 and "X-RateLimit-Limit" not in r.headers
        assert (await client.get("/api/v1/spaces", headers=rw.auth(rw.single))).status_code == 200


async def test_concurrent_hits_count_exactly(db: Database, rw: RestWorld) -> None:
    clock = Clock()
    limiter = RateLimiter(db, 1000, clock=clock)
    quotas = await asyncio.gather(*(limiter.hit(rw.single.token.id) for _ in range(40)))
    counts = sorted(q.count for q in quotas if q is not None)
    assert counts == list(range(1, 41))


async def test_old_windows_are_swept(db: Database, rw: RestWorld) -> None:
    clock = Clock()
    limiter = RateLimiter(db, 10, clock=clock)
    for _ in range(3):
        await limiter.hit(rw.single.token.id)
        await limiter.hit(rw.multi.token.id)
        clock.now += 60
    async with db.read() as conn:
        rows = (await conn.execute(select(rate_limit_windows.c.window_start))).scalars().all()
    # The sweep on entering a minute keeps the previous window and the current one.
    assert sorted(set(rows)) == [int(clock.now // 60) - 2, int(clock.now // 60) - 1]
