"""resolve(secret, surface) -> Caller: the one verifier every surface uses.

The shape and checksum are checked before any I/O. Then one indexed query reads the token, its
account, the plan and the account's memberships as they are *now*, so revocation, account
deletion, a removed membership or a plan downgrade take effect on the very next request, on
every process, without a cache to invalidate.

Callers get one generic refusal; the reason goes to the log and, for tokens we know, to the
audit log (at most once a minute per token and reason, so a retry loop cannot flood it).
``last_used_at`` is kept in memory and written in batches, at most once a minute per token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update

from indicate_mcp.authority import audit
from indicate_mcp.authority.audit import Target
from indicate_mcp.authority.model import Actor, Caller, SpaceAccess, Surface, utcnow
from indicate_mcp.authority.tokens import parse
from indicate_mcp.db import Database
from indicate_mcp.db.tables import accounts, memberships, organisations, spaces, tokens
from indicate_mcp.errors import AuthenticationFailed, PlanRequired, WrongTokenKind

log = logging.getLogger("indicate_mcp.auth")

EXPECTED_KIND: dict[str, str] = {"mcp": "agent", "api": "api"}
WRONG_KIND_MESSAGE = {
    "mcp": "This is an API token. The MCP endpoint needs an agent token (ind_agent_…); "
    "create one under Agent Tokens.",
    "api": "This is an agent token. The REST API needs an API token (ind_api_…), "
    "an Enterprise feature; create one under API Tokens.",
}

_LOOKUP = (
    select(
        tokens.c.id,
        tokens.c.kind,
        tokens.c.scope,
        tokens.c.name,
        tokens.c.status,
        tokens.c.expires_at,
        tokens.c.org_id,
        tokens.c.space_id.label("token_space"),
        accounts.c.id.label("account_id"),
        accounts.c.name.label("account_name"),
        accounts.c.kind.label("account_kind"),
        accounts.c.deleted_at,
        organisations.c.plan,
        memberships.c.space_id.label("space_id"),
        memberships.c.role,
        spaces.c.name.label("space_name"),
    )
    .select_from(
        tokens.join(accounts, accounts.c.id == tokens.c.account_id)
        .join(organisations, organisations.c.id == tokens.c.org_id)
        .outerjoin(
            memberships,
            and_(
                memberships.c.account_id == tokens.c.account_id,
                or_(tokens.c.scope == "multi", memberships.c.space_id == tokens.c.space_id),
            ),
        )
        .outerjoin(
            spaces, and_(spaces.c.id == memberships.c.space_id, spaces.c.org_id == tokens.c.org_id)
        )
    )
    .where(tokens.c.secret_hash == bindparam("secret_hash"))
    .order_by(spaces.c.name)
)


class Resolver:
    def __init__(self, db: Database, *, usage_interval: float = 60.0) -> None:
        self.db = db
        self.usage_interval = usage_interval
        self._last_marked: dict[str, float] = {}
        self._pending_usage: dict[str, datetime] = {}
        self._last_refusal: dict[tuple[str, str], float] = {}

    async def resolve(
        self,
        raw: str,
        surface: Surface,
        *,
        client_ip: str | None = None,
        user_agent: str | None = None,
    ) -> Caller:
        try:
            parsed = parse(raw)
        except AuthenticationFailed as refused:
            log.info("token refused on %s: %s", surface, refused.reason)
            raise
        async with self.db.read_one() as conn:
            rows = (await conn.execute(_LOOKUP, {"secret_hash": parsed.secret_hash})).all()
        if not rows:
            log.info("token refused on %s: unknown (id %s)", surface, parsed.token_id)
            raise AuthenticationFailed("unknown")
        first = rows[0]
        reason = self._refusal_reason(first, surface)
        if reason is not None:
            await self._record_refusal(first, reason, surface, client_ip, user_agent)
            if reason == "wrong_kind":
                raise WrongTokenKind(reason, WRONG_KIND_MESSAGE[surface])
            if reason == "plan":
                raise PlanRequired(
                    "API tokens need the Enterprise plan, and this organisation is on the "
                    f"{first.plan} plan"
                )
            raise AuthenticationFailed(reason)
        reach = tuple(
            SpaceAccess(r.space_id, r.space_name, r.role) for r in rows if r.space_id is not None
        )
        if not reach:
            await self._record_refusal(first, "no_space", surface, client_ip, user_agent)
            raise AuthenticationFailed("no_space")
        self._touch(first.id)
        return Caller(
            token_id=first.id,
            kind=first.kind,
            scope=first.scope,
            token_name=first.name,
            account_id=first.account_id,
            account_name=first.account_name,
            account_kind=first.account_kind,
            org_id=first.org_id,
            plan=first.plan,
            spaces=reach,
        )

    @staticmethod
    def _refusal_reason(row: Any, surface: Surface) -> str | None:
        if row.status != "active":
            return str(row.status)  # revoked | regenerated
        if row.expires_at is not None and row.expires_at <= utcnow():
            return "expired"
        if row.deleted_at is not None:
            return "account_deleted"
        if row.kind != EXPECTED_KIND[surface]:
            return "wrong_kind"
        if row.kind == "api" and row.plan != "enterprise":
            return "plan"
        return None

    async def _record_refusal(
        self,
        row: Any,
        reason: str,
        surface: Surface,
        client_ip: str | None,
        user_agent: str | None,
    ) -> None:
        log.info("token %s refused on %s: %s", row.id, surface, reason)
        key = (row.id, reason)
        now = time.monotonic()
        if now - self._last_refusal.get(key, -1e9) < self.usage_interval:
            return
        self._last_refusal[key] = now
        actor = Actor(
            kind="anonymous",
            channel=surface,
            name="unauthenticated caller",
            org_id=row.org_id,
            token_id=row.id,
            client_ip=client_ip,
            user_agent=user_agent,
        )
        async with self.db.write() as conn:
            await audit.record(
                conn,
                actor,
                audit.TOKENS,
                "token.refused",
                Target("token", row.id, space_id=row.token_space, org_id=row.org_id),
                outcome="refused",
                detail=reason,
            )

    def _touch(self, token_id: str) -> None:
        now = time.monotonic()
        if now - self._last_marked.get(token_id, -1e9) >= self.usage_interval:
            self._last_marked[token_id] = now
            self._pending_usage[token_id] = utcnow()

    async def flush_usage(self) -> int:
        """Write pending last-used times in one transaction; returns how many."""
        if not self._pending_usage:
            return 0
        pending, self._pending_usage = self._pending_usage, {}
        try:
            async with self.db.write() as conn:
                await conn.execute(
                    update(tokens)
                    .where(tokens.c.id == bindparam("tid"))
                    .values(last_used_at=bindparam("used_at")),
                    [{"tid": tid, "used_at": at} for tid, at in pending.items()],
                )
        except Exception:
            # A busy database (a long import holds SQLite's write lock) must not lose them:
            # keep them for the next flush, where a newer mark of the same token wins.
            self._pending_usage = {**pending, **self._pending_usage}
            raise
        return len(pending)

    async def run_usage_flusher(self, every: float = 5.0) -> None:
        """Background task for the server's lifespan; flushes once more when cancelled."""
        try:
            while True:
                await asyncio.sleep(every)
                try:
                    await self.flush_usage()
                except Exception:  # a busy database must not kill the flusher
                    log.exception("could not record token usage")
        finally:
            await asyncio.shield(self.flush_usage())
