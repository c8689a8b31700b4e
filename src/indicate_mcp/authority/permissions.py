"""Who may do what. One place answers "what role does this actor hold in this space now"."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from indicate_mcp.authority.model import MANAGER_ROLES, ROLE_RANK, Actor
from indicate_mcp.db.tables import memberships, spaces
from indicate_mcp.errors import PermissionDenied


async def role_in(conn: AsyncConnection, actor: Actor, space_id: str) -> str | None:
    """The actor's live role in the space; ``None`` if it has none or its token does not reach
    the space. Operators hold every role."""
    if actor.is_operator:
        return "owner"
    if actor.reach is not None and space_id not in actor.reach:
        return None
    role: str | None = (
        await conn.execute(
            select(memberships.c.role).where(
                memberships.c.account_id == actor.account_id,
                memberships.c.space_id == space_id,
            )
        )
    ).scalar_one_or_none()
    return role


async def require_manager(conn: AsyncConnection, actor: Actor, space_id: str, doing: str) -> str:
    role = await role_in(conn, actor, space_id)
    if role not in MANAGER_ROLES:
        held = f"holds the role {role!r}" if role else "has no access to it"
        raise PermissionDenied(
            f"only owners and admins of space {space_id} can {doing}; {actor.name} {held}"
        )
    assert role is not None
    return role


def outranks_or_equals(actor_role: str, other_role: str) -> bool:
    return ROLE_RANK[actor_role] >= ROLE_RANK[other_role]


async def managed_spaces(
    conn: AsyncConnection,
    actor: Actor,
    *,
    org_id: str | None = None,
    roles: Iterable[str] = MANAGER_ROLES,
) -> set[str]:
    """Spaces where an account actor holds one of ``roles`` now, within its token's reach."""
    query = (
        select(memberships.c.space_id)
        .join(spaces, spaces.c.id == memberships.c.space_id)
        .where(
            memberships.c.account_id == actor.account_id,
            memberships.c.role.in_(sorted(roles)),
        )
    )
    if org_id is not None:
        query = query.where(spaces.c.org_id == org_id)
    found = {r.space_id for r in await conn.execute(query)}
    return found if actor.reach is None else found & actor.reach


async def require_managed_spaces(
    conn: AsyncConnection, actor: Actor, doing: str, *, org_id: str | None = None
) -> set[str]:
    found = await managed_spaces(conn, actor, org_id=org_id)
    if not found:
        where = " in this organisation" if org_id else ""
        raise PermissionDenied(
            f"only owners and admins can {doing}; {actor.name} manages no space{where}"
        )
    return found
