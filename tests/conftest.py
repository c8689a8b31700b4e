"""Shared fixtures: every test that takes ``db`` runs on a fresh SQLite file and, where
``INDICATE_TEST_POSTGRES_URL`` is set, on a fresh PostgreSQL database too."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from authority_world import World, build_world
from indicate_mcp.db import Database
from indicate_mcp.db.migrate import upgrade
from rest_world import RestWorld, client_for, make_context, mounted
from rest_world import build_world as build_rest_world

PG_URL = os.environ.get("INDICATE_TEST_POSTGRES_URL")
PG_SKIP_REASON = "PostgreSQL leg skipped: set INDICATE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test"


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


async def _pg_admin(sql: str) -> None:
    import asyncpg

    assert PG_URL is not None
    conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_url_for(name: str) -> str:
    assert PG_URL is not None
    base, _, _ = PG_URL.rpartition("/")
    return f"{base}/{name}"


class PostgresFactory:
    """Creates databases from a migrated template and drops them afterwards."""

    def __init__(self) -> None:
        self.template = f"indicate_tpl_{uuid.uuid4().hex[:10]}"
        self.created: list[str] = []

    def setup(self) -> None:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{self.template}"'))
        asyncio.run(_migrate(pg_url_for(self.template)))

    def new_database(self) -> str:
        name = f"indicate_t_{uuid.uuid4().hex[:12]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self.created.append(name)
        return pg_url_for(name)

    def drop(self, url: str) -> None:
        name = url.rpartition("/")[2]
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def teardown(self) -> None:
        for name in self.created:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(str(path)))
    return path


@pytest.fixture(scope="session")
def postgres_factory() -> Iterator[PostgresFactory]:
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    factory = PostgresFactory()
    factory.setup()
    yield factory
    factory.teardown()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database of each kind; its URL."""
    if request.param == "sqlite":
        path = tmp_path / "indicate.db"
        shutil.copy(sqlite_template, path)
        yield str(path)
        return
    factory: PostgresFactory = request.getfixturevalue("postgres_factory")
    url = factory.new_database()
    yield url
    factory.drop(url)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    yield database
    await database.dispose()


@pytest.fixture
async def world(db: Database) -> AsyncIterator[World]:
    yield await build_world(db)


@pytest.fixture
async def rw(db: Database) -> RestWorld:
    """A world for the REST API: an Enterprise organisation with data and API tokens."""
    return await build_rest_world(db)


@pytest.fixture
async def rest_client(db: Database, db_url: str, rw: RestWorld) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the REST API mounted as in the server, in-process."""
    async with client_for(mounted(make_context(db, db_url))) as c:
        yield c
