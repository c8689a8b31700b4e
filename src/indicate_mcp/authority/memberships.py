"""Memberships: (account, space, role). Only owners may grant or take away the owner role, and
no space is ever left without an owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from indicate_mcp.authority import audit
from indicate_mcp.authority.accounts import Account, _owner_count, fetch_account, insert_account
from indicate_mcp.authority.audit import Target
from indicate_mcp.authority.model import ROLES, Actor, utcnow
from indicate_mcp.authority.permissions import require_manager, role_in
from indicate_mcp.authority.spaces import Space, fetch_space
from indicate_mcp.authority.validation import clean_name, one_of
from indicate_mcp.db import Database
from indicate_mcp.db.tables import accounts, memberships
from indicate_mcp.errors import Conflict, InvalidInput, NotFound, PermissionDenied


@dataclass(frozen=True, slots=True)
class Member:
    account_id: str
    space_id: str
    role: str
    name: str
    kind: str
    email: str | None
    created_at: datetime


async def _current_role(conn: AsyncConnection, space_id: str, account_id: str) -> str | None:
    role: str | None = (
        await conn.execute(
            select(memberships.c.role).where(
                memberships.c.space_id == space_id, memberships.c.account_id == account_id
            )
        )
    ).scalar_one_or_none()
    return role


async def _target(db: Database, space_id: str, account_id: str) -> Target:
    async with db.read() as conn:
        space = await fetch_space(conn, space_id)
    return Target("membership", account_id, space_id=space_id, org_id=space.org_id)


async def _require_owner_for(
    conn: AsyncConnection, actor: Actor, space_id: str, *roles: str | None
) -> None:
    if "owner" in roles and await role_in(conn, actor, space_id) != "owner":
        raise PermissionDenied(
            f"only owners of space {space_id} can grant or remove the owner role"
        )


async def _grant(
    conn: AsyncConnection, actor: Actor, space: Space, account: Account, role: str
) -> Member:
    """The checked membership insert and its audit event, inside the caller's transaction."""
    await require_manager(conn, actor, space.id, "add members")
    await _require_owner_for(conn, actor, space.id, role)
    if account.org_id != space.org_id:
        raise InvalidInput(
            f"account {account.id} belongs to another organisation than space {space.id}",
            field="account",
        )
    if space.id in account.roles:
        raise Conflict(
            f"{account.name} is already a member of {space.id} as {account.roles[space.id]}; "
            "change the role instead"
        )
    now = utcnow()
    await conn.execute(
        insert(memberships).values(
            account_id=account.id, space_id=space.id, role=role, created_at=now
        )
    )
    target = Target("membership", account.id, space_id=space.id, org_id=space.org_id)
    await audit.record(conn, actor, audit.TEAM, "membership.added", target, after={"role": role})
    return Member(account.id, space.id, role, account.name, account.kind, account.email, now)


async def add_member(
    db: Database, actor: Actor, *, space_id: str, account_id: str, role: str
) -> Member:
    one_of(role, ROLES, "role")
    target = await _target(db, space_id, account_id)
    async with audit.audited_write(db, actor, audit.TEAM, "membership.added", target) as conn:
        space = await fetch_space(conn, space_id)
        return await _grant(conn, actor, space, await fetch_account(conn, account_id), role)


async def create_service_account_in_space(
    db: Database, actor: Actor, *, space_id: str, name: str, role: str
) -> Member:
    """A service account and its membership in one transaction: both or neither."""
    one_of(role, ROLES, "role")
    name = clean_name(name)
    async with db.read() as conn:
        space = await fetch_space(conn, space_id)
    target = Target("account", None, space_id=space_id, org_id=space.org_id)
    async with audit.audited_write(
        db, actor, audit.TEAM, "service_account.created", target
    ) as conn:
        await require_manager(conn, actor, space_id, "create service accounts")
        account = await insert_account(
            conn, actor, org_id=space.org_id, kind="service", name=name, email=None
        )
        return await _grant(conn, actor, space, account, role)


async def change_role(
    db: Database, actor: Actor, *, space_id: str, account_id: str, role: str
) -> str:
    one_of(role, ROLES, "role")
    target = await _target(db, space_id, account_id)
    async with audit.audited_write(
        db, actor, audit.TEAM, "membership.role_changed", target
    ) as conn:
        await require_manager(conn, actor, space_id, "change roles")
        before = await _current_role(conn, space_id, account_id)
        if before is None:
            raise NotFound(f"account {account_id} is not a member of space {space_id}")
        await _require_owner_for(conn, actor, space_id, role, before)
        if before == "owner" and role != "owner" and await _owner_count(conn, space_id) == 1:
            raise Conflict(f"this is the only owner of space {space_id}; make another owner first")
        await conn.execute(
            update(memberships)
            .where(memberships.c.space_id == space_id, memberships.c.account_id == account_id)
            .values(role=role)
        )
        await audit.record(
            conn,
            actor,
            audit.TEAM,
            "membership.role_changed",
            target,
            before={"role": before},
            after={"role": role},
        )
    return role


async def remove_member(db: Database, actor: Actor, *, space_id: str, account_id: str) -> None:
    """Takes effect at once: the account's tokens stop reaching the space on their next request."""
    target = await _target(db, space_id, account_id)
    async with audit.audited_write(db, actor, audit.TEAM, "membership.removed", target) as conn:
        await require_manager(conn, actor, space_id, "remove members")
        before = await _current_role(conn, space_id, account_id)
        if before is None:
            raise NotFound(f"account {account_id} is not a member of space {space_id}")
        await _require_owner_for(conn, actor, space_id, before)
        if before == "owner" and await _owner_count(conn, space_id) == 1:
            raise Conflict(f"this is the only owner of space {space_id}; make another owner first")
        await conn.execute(
            delete(memberships).where(
                memberships.c.space_id == space_id, memberships.c.account_id == account_id
            )
        )
        await audit.record(
            conn, actor, audit.TEAM, "membership.removed", target, before={"role": before}
        )


async def list_members(db: Database, actor: Actor, space_id: str) -> list[Member]:
    async with db.read() as conn:
        await fetch_space(conn, space_id)
        if await role_in(conn, actor, space_id) is None:
            raise PermissionDenied(f"{actor.name} is not a member of space {space_id}")
        rows = await conn.execute(
            select(memberships, accounts.c.name, accounts.c.kind, accounts.c.email)
            .join(accounts, accounts.c.id == memberships.c.account_id)
            .where(memberships.c.space_id == space_id)
            .order_by(accounts.c.name)
        )
        return [
            Member(r.account_id, r.space_id, r.role, r.name, r.kind, r.email, r.created_at)
            for r in rows
        ]
