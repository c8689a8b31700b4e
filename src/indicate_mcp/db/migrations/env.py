"""Alembic environment. The app runs migrations on a connection it already holds
(``config.attributes["connection"]``); the ``alembic`` command line gets its own engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from indicate_mcp.db import metrics_tables, tables  # noqa: F401  (registers every table)
from indicate_mcp.db.engine import normalise_url

target_metadata = tables.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_own_engine() -> None:
    url = normalise_url(context.config.get_main_option("sqlalchemy.url") or "indicate.db")
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_own_engine())
