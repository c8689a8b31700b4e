"""A per-token request budget per calendar minute, shared by every worker and replica.

The count lives in ``rate_limit_windows`` and is bumped with one atomic upsert that returns
the new count (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, SQLite ≥ 3.35 and PostgreSQL),
so two processes serving the same token can never both take the last request. A fixed window
is coarse at its edges (up to twice the limit across a boundary) but needs one row per token
and minute and no clock agreement beyond the database's clients.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.dialects import postgresql, sqlite

from indicate_mcp.db import Database
from indicate_mcp.db.tables import rate_limit_windows as windows

log = logging.getLogger("indicate_mcp.rest")


@dataclass(frozen=True, slots=True)
class Quota:
    limit: int
    count: int
    reset_after: int  # seconds until the window ends

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - self.count)),
            "X-RateLimit-Reset": str(self.reset_after),
        }
        if self.exceeded:
            headers["Retry-After"] = str(self.reset_after)
        return headers


class RateLimiter:
    def __init__(
        self, db: Database, per_minute: int, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self.per_minute = per_minute
        self.clock = clock
        self._swept_minute = -1

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    async def hit(self, token_id: str) -> Quota | None:
        """Count one request; ``None`` when limiting is off."""
        if not self.enabled:
            return None
        now = self.clock()
        minute = int(now // 60)
        insert: Any = (postgresql if self.db.dialect == "postgresql" else sqlite).insert(windows)
        statement = (
            insert.values(token_id=token_id, window_start=minute, count=1)
            .on_conflict_do_update(
                index_elements=[windows.c.token_id, windows.c.window_start],
                set_={"count": windows.c.count + 1},
            )
            .returning(windows.c.count)
        )
        async with self.db.write() as conn:
            if self.db.dialect == "postgresql":
                # A lost count after a crash costs nothing; waiting for the WAL flush on
                # every request costs milliseconds. Only this transaction is relaxed.
                await conn.execute(text("SET LOCAL synchronous_commit = off"))
            count = int((await conn.execute(statement)).scalar_one())
            if minute != self._swept_minute:
                # Once a minute per process: old windows are dead weight, never read again.
                self._swept_minute = minute
                await conn.execute(delete(windows).where(windows.c.window_start < minute - 1))
        reset_after = max(1, math.ceil((minute + 1) * 60 - now))
        return Quota(self.per_minute, count, reset_after)
