"""The audit log: append-only, written in the same transaction as the change it records.

Refused attempts get their own short transaction, because the change they tried to make was
rolled back. Nothing here ever stores a token's secret: tokens are named by public ID.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from indicate_mcp.authority.model import AUDIT_RETENTION_DAYS, Actor, utcnow
from indicate_mcp.authority.permissions import managed_spaces, require_managed_spaces
from indicate_mcp.db import Database
from indicate_mcp.db.tables import audit_events, organisations
from indicate_mcp.errors import InvalidInput, PermissionDenied, PlanRequired

TOKENS = "API Tokens"
TEAM = "Team"
SPACES = "Spaces"
ORGANISATION = "Organisation"
NAMESPACES = (TOKENS, TEAM, SPACES, ORGANISATION)
MAX_LIST = 1000


@dataclass(frozen=True, slots=True)
class Target:
    type: str
    id: str | None
    space_id: str | None = None
    org_id: str | None = None


async def record(
    conn: AsyncConnection,
    actor: Actor,
    namespace: str,
    action: str,
    target: Target,
    *,
    outcome: str = "success",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
) -> None:
    await conn.execute(
        insert(audit_events).values(
            at=utcnow(),
            org_id=target.org_id or actor.org_id,
            namespace=namespace,
            action=action,
            outcome=outcome,
            actor_type=actor.kind,
            actor_id=actor.account_id,
            actor_name=actor.name,
            token_id=actor.token_id,
            channel=actor.channel,
            target_type=target.type,
            target_id=target.id,
            space_id=target.space_id,
            before=_jsonable(before),
            after=_jsonable(after),
            detail=detail,
            client_ip=actor.client_ip,
            user_agent=actor.user_agent[:512] if actor.user_agent else None,
        )
    )


async def token_revoked(
    conn: AsyncConnection, actor: Actor, target: Target, detail: str | None = None
) -> None:
    """One shape for every revocation, whether asked for or caused by an account's deletion."""
    await record(
        conn,
        actor,
        TOKENS,
        "token.revoked",
        target,
        before={"status": "active"},
        after={"status": "revoked"},
        detail=detail,
    )


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return json.loads(json.dumps(data, default=str))  # type: ignore[no-any-return]


@asynccontextmanager
async def audited_write(
    db: Database, actor: Actor, namespace: str, action: str, target: Target
) -> AsyncIterator[AsyncConnection]:
    """A write transaction whose refusals (role or plan) are themselves recorded."""
    try:
        async with db.write() as conn:
            yield conn
    except (PermissionDenied, PlanRequired) as refused:
        async with db.write() as conn:
            await record(
                conn, actor, namespace, action, target, outcome="denied", detail=refused.message
            )
        raise


@dataclass(frozen=True, slots=True)
class AuditFilter:
    org_id: str | None = None
    namespace: str | None = None
    action: str | None = None
    actor_id: str | None = None
    target_id: str | None = None
    space_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _where(f: AuditFilter, visible: Visibility | None) -> list[Any]:
    conds: list[Any] = []
    for column, value in (
        (audit_events.c.org_id, f.org_id),
        (audit_events.c.namespace, f.namespace),
        (audit_events.c.action, f.action),
        (audit_events.c.actor_id, f.actor_id),
        (audit_events.c.target_id, f.target_id),
        (audit_events.c.space_id, f.space_id),
        (audit_events.c.outcome, f.outcome),
    ):
        if value is not None:
            conds.append(column == value)
    if f.since is not None:
        conds.append(audit_events.c.at >= f.since)
    if f.until is not None:
        conds.append(audit_events.c.at < f.until)
    if visible is not None:
        scoped: ColumnElement[bool] = audit_events.c.space_id.in_(sorted(visible.spaces))
        if visible.org_level_of is not None:
            org_level = and_(
                audit_events.c.space_id.is_(None), audit_events.c.org_id == visible.org_level_of
            )
            scoped = or_(scoped, org_level)
        conds.append(scoped)
    return conds


@dataclass(frozen=True, slots=True)
class Visibility:
    """What an account may read: events of the spaces it manages, and, for owners, the
    organisation-level events (accounts, plan) of its own organisation."""

    spaces: frozenset[str]
    org_level_of: str | None


async def _visibility(conn: AsyncConnection, actor: Actor) -> Visibility | None:
    if actor.is_operator:
        return None
    managed = await require_managed_spaces(conn, actor, "read the audit log")
    owned = await managed_spaces(conn, actor, org_id=actor.org_id, roles=("owner",))
    return Visibility(frozenset(managed), actor.org_id if owned else None)


async def list_events(
    db: Database, actor: Actor, f: AuditFilter, *, limit: int = 100
) -> list[dict[str, Any]]:
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}", field="limit")
    if f.namespace is not None and f.namespace not in NAMESPACES:
        raise InvalidInput(
            f"unknown namespace {f.namespace!r}; valid: {', '.join(NAMESPACES)}", field="namespace"
        )
    async with db.read() as conn:
        visible = await _visibility(conn, actor)
        rows = await conn.execute(
            select(audit_events)
            .where(and_(True, *_where(f, visible)))
            .order_by(audit_events.c.id.desc())
            .limit(limit)
        )
        return [dict(r._mapping) for r in rows]


async def export_events(db: Database, actor: Actor, f: AuditFilter) -> AsyncIterator[str]:
    """JSON Lines, oldest first, streamed so a large log never sits in memory."""
    async with db.engine.connect() as conn:
        visible = await _visibility(conn, actor)
        stream = await conn.stream(
            select(audit_events)
            .where(and_(True, *_where(f, visible)))
            .order_by(audit_events.c.id)
            .execution_options(yield_per=500)
        )
        async for row in stream:
            yield json.dumps(dict(row._mapping), default=_iso, ensure_ascii=False)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


async def purge(
    db: Database, *, now: datetime | None = None, dry_run: bool = False
) -> dict[str, int]:
    """Delete events older than each organisation's plan keeps them (2/50/500 days)."""
    now = now or utcnow()
    removed: dict[str, int] = {}
    async with db.write() as conn:
        orgs = (await conn.execute(select(organisations.c.id, organisations.c.plan))).all()
        for org in orgs:
            cutoff = now - timedelta(days=AUDIT_RETENTION_DAYS[org.plan])
            cond = and_(audit_events.c.org_id == org.id, audit_events.c.at < cutoff)
            count = (
                await conn.execute(select(func.count()).select_from(audit_events).where(cond))
            ).scalar_one()
            if count and not dry_run:
                await conn.execute(delete(audit_events).where(cond))
            removed[org.id] = count
    return removed
