"""Hostile headers against a real uvicorn process: clean 4xx, never a 5xx or a dropped
connection, and the server keeps answering afterwards."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from urllib.parse import urlparse

import httpx
import pytest

from indicate_mcp.db import Database
from rest_world import RestWorld, build_world, uvicorn_server

pytestmark = pytest.mark.slow


@pytest.fixture
def served(db_url: str) -> Iterator[tuple[str, RestWorld]]:
    async def seed() -> RestWorld:
        db = Database(db_url)
        try:
            return await build_world(db)
        finally:
            await db.dispose()

    world = asyncio.run(seed())
    with uvicorn_server(db_url, INDICATE_RATE_LIMIT_PER_MINUTE="1000") as base:
        yield base, world


def _raw(base: str, authorization: bytes) -> bytes:
    """Send bytes httpx would refuse to send, and read the status line."""
    url = urlparse(base)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(
            b"GET /api/v1/spaces HTTP/1.1\r\nHost: x\r\nAuthorization: "
            + authorization
            + b"\r\nConnection: close\r\n\r\n"
        )
        return sock.recv(65536)


@pytest.mark.parametrize(
    "authorization",
    [
        b"Bearer " + b"A" * 12_000,
        b"Bearer \x80\x81\xfe\xff",
        b"Bearer ind_api_\xc3\xa9\xc3\xa9",
        b"\xff\xfe",
    ],
)
def test_odd_authorization_headers_get_a_clean_401(
    served: tuple[str, RestWorld], authorization: bytes
) -> None:
    base, world = served
    answer = _raw(base, authorization)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b"application/problem+json" in answer and b"x-request-id" in answer.lower()
    ok = httpx.get(f"{base}/api/v1/spaces", headers=world.auth(world.single), timeout=10)
    assert ok.status_code == 200 and ok.headers["X-RateLimit-Limit"] == "1000"


def test_a_header_beyond_the_server_limit_is_a_400(served: tuple[str, RestWorld]) -> None:
    # uvicorn's HTTP parser refuses it before the app runs (so plain text, not a problem).
    base, world = served
    answer = _raw(base, b"Bearer " + b"A" * 200_000)
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    ok = httpx.get(f"{base}/api/v1/spaces", headers=world.auth(world.single), timeout=10)
    assert ok.status_code == 200
