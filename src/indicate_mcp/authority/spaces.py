"""Spaces: the unit of tenancy. The Space ID is public, stable and read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from indicate_mcp.authority import audit
from indicate_mcp.authority.audit import Target
from indicate_mcp.authority.model import Actor, utcnow
from indicate_mcp.authority.organisations import fetch_organisation
from indicate_mcp.authority.permissions import require_manager
from indicate_mcp.authority.validation import clean_name
from indicate_mcp.db import Database
from indicate_mcp.db.tables import memberships, spaces
from indicate_mcp.errors import NotFound, PermissionDenied
from indicate_mcp.ids import new_id


@dataclass(frozen=True, slots=True)
class Space:
    id: str
    org_id: str
    name: str
    created_at: datetime


def _space(row: object) -> Space:
    return Space(row.id, row.org_id, row.name, row.created_at)  # type: ignore[attr-defined]


async def fetch_space(conn: AsyncConnection, space_id: str) -> Space:
    row = (await conn.execute(select(spaces).where(spaces.c.id == space_id))).one_or_none()
    if row is None:
        raise NotFound(
            f"no space {space_id!r}; list spaces with `indicate-mcp spaces list`", field="space"
        )
    return _space(row)


async def create_space(db: Database, actor: Actor, *, org_id: str, name: str) -> Space:
    """Operators, and owners of any space of the organisation, may create spaces; an account
    that creates one becomes its owner."""
    space = Space(new_id("spc"), org_id, clean_name(name), utcnow())
    target = Target("space", space.id, space_id=space.id, org_id=org_id)
    async with audit.audited_write(db, actor, audit.SPACES, "space.created", target) as conn:
        await fetch_organisation(conn, org_id)
        if not actor.is_operator:
            owns = (
                await conn.execute(
                    select(memberships.c.space_id)
                    .join(spaces, spaces.c.id == memberships.c.space_id)
                    .where(
                        memberships.c.account_id == actor.account_id,
                        memberships.c.role == "owner",
                        spaces.c.org_id == org_id,
                    )
                )
            ).first()
            if owns is None:
                raise PermissionDenied("only owners can create spaces in their organisation")
        await conn.execute(insert(spaces).values(_row(space)))
        if not actor.is_operator:
            await conn.execute(
                insert(memberships).values(
                    account_id=actor.account_id,
                    space_id=space.id,
                    role="owner",
                    created_at=space.created_at,
                )
            )
        await audit.record(
            conn, actor, audit.SPACES, "space.created", target, after={"name": space.name}
        )
    return space


def _row(space: Space) -> dict[str, object]:
    return {
        "id": space.id,
        "org_id": space.org_id,
        "name": space.name,
        "created_at": space.created_at,
    }


async def rename_space(db: Database, actor: Actor, space_id: str, name: str) -> Space:
    name = clean_name(name)
    async with db.read() as conn:
        current = await fetch_space(conn, space_id)
    target = Target("space", space_id, space_id=space_id, org_id=current.org_id)
    async with audit.audited_write(db, actor, audit.SPACES, "space.renamed", target) as conn:
        await require_manager(conn, actor, space_id, "rename it")
        before = await fetch_space(conn, space_id)
        await conn.execute(update(spaces).where(spaces.c.id == space_id).values(name=name))
        await audit.record(
            conn,
            actor,
            audit.SPACES,
            "space.renamed",
            target,
            before={"name": before.name},
            after={"name": name},
        )
    return Space(before.id, before.org_id, name, before.created_at)


async def list_spaces(db: Database, actor: Actor, org_id: str | None = None) -> list[Space]:
    """Operators see every space (of one organisation if given); accounts see their own."""
    query = select(spaces).order_by(spaces.c.created_at, spaces.c.name)
    if org_id is not None:
        query = query.where(spaces.c.org_id == org_id)
    if not actor.is_operator:
        query = query.join(memberships, memberships.c.space_id == spaces.c.id).where(
            memberships.c.account_id == actor.account_id
        )
        if actor.reach is not None:
            query = query.where(spaces.c.id.in_(sorted(actor.reach)))
    async with db.read() as conn:
        return [_space(r) for r in await conn.execute(query)]


async def get_space(db: Database, space_id: str) -> Space:
    async with db.read() as conn:
        return await fetch_space(conn, space_id)
