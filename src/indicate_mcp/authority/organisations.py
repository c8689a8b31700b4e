"""Organisations and their plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from indicate_mcp.authority import audit
from indicate_mcp.authority.audit import Target
from indicate_mcp.authority.model import PLANS, Actor, utcnow
from indicate_mcp.authority.validation import clean_name, one_of
from indicate_mcp.db import Database
from indicate_mcp.db.tables import organisations
from indicate_mcp.errors import NotFound, PermissionDenied
from indicate_mcp.ids import new_id


@dataclass(frozen=True, slots=True)
class Organisation:
    id: str
    name: str
    plan: str
    created_at: datetime


async def create_organisation(db: Database, actor: Actor, *, name: str, plan: str) -> Organisation:
    if not actor.is_operator:
        raise PermissionDenied("only the local operator can create organisations")
    org = Organisation(new_id("org"), clean_name(name), one_of(plan, PLANS, "plan"), utcnow())
    async with db.write() as conn:
        await conn.execute(insert(organisations).values(_row(org)))
        await audit.record(
            conn,
            actor,
            audit.ORGANISATION,
            "organisation.created",
            Target("organisation", org.id, org_id=org.id),
            after={"name": org.name, "plan": org.plan},
        )
    return org


def _row(org: Organisation) -> dict[str, object]:
    return {"id": org.id, "name": org.name, "plan": org.plan, "created_at": org.created_at}


async def fetch_organisation(conn: AsyncConnection, org_id: str) -> Organisation:
    row = (
        await conn.execute(select(organisations).where(organisations.c.id == org_id))
    ).one_or_none()
    if row is None:
        known = (await conn.execute(select(organisations.c.id))).scalars().all()
        raise NotFound(
            f"no organisation {org_id!r}; known: {', '.join(known) or 'none (run init)'}",
            field="org",
        )
    return Organisation(row.id, row.name, row.plan, row.created_at)


async def get_organisation(db: Database, org_id: str) -> Organisation:
    async with db.read() as conn:
        return await fetch_organisation(conn, org_id)


async def list_organisations(db: Database) -> list[Organisation]:
    async with db.read() as conn:
        rows = await conn.execute(select(organisations).order_by(organisations.c.created_at))
        return [Organisation(r.id, r.name, r.plan, r.created_at) for r in rows]


async def find_by_name(db: Database, name: str) -> Organisation | None:
    async with db.read() as conn:
        row = (
            await conn.execute(select(organisations).where(organisations.c.name == name))
        ).first()
        return None if row is None else Organisation(row.id, row.name, row.plan, row.created_at)


async def set_plan(db: Database, actor: Actor, org_id: str, plan: str) -> Organisation:
    """Change the plan. A downgrade from Enterprise stops API tokens at their next request."""
    if not actor.is_operator:
        raise PermissionDenied("only the local operator can change an organisation's plan")
    one_of(plan, PLANS, "plan")
    async with db.write() as conn:
        before = await fetch_organisation(conn, org_id)
        await conn.execute(
            update(organisations).where(organisations.c.id == org_id).values(plan=plan)
        )
        await audit.record(
            conn,
            actor,
            audit.ORGANISATION,
            "organisation.plan_changed",
            Target("organisation", org_id, org_id=org_id),
            before={"plan": before.plan},
            after={"plan": plan},
        )
    return Organisation(before.id, before.name, plan, before.created_at)
