"""Is the database reachable and at the schema this code expects? Used by /readyz and the
health_check tool."""

from __future__ import annotations

import logging

from sqlalchemy import text

from indicate_mcp.db import Database
from indicate_mcp.db.migrate import current_revision, head_revision

log = logging.getLogger("indicate_mcp.server.health")


async def database_status(db: Database) -> str:
    """``ok``, or a short reason an operator can act on (never a connection string)."""
    try:
        async with db.read() as conn:
            await conn.execute(text("SELECT 1"))
        current = await current_revision(db)
    except Exception:
        log.warning("database unreachable", exc_info=True)
        return "unreachable"
    head = head_revision()
    if current != head:
        return f"schema at {current}, expected {head}: run `indicate-mcp db upgrade`"
    return "ok"
