"""Accounts: member users (people, with an e-mail) and service users (no login; they exist to
hold tokens). Deleting an account revokes all of its tokens in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from indicate_mcp.authority import audit
from indicate_mcp.authority.audit import Target
from indicate_mcp.authority.model import MANAGER_ROLES, Actor, utcnow
from indicate_mcp.authority.organisations import fetch_organisation
from indicate_mcp.authority.permissions import require_managed_spaces, role_in
from indicate_mcp.authority.validation import clean_email, clean_name
from indicate_mcp.db import Database
from indicate_mcp.db.tables import accounts, memberships, tokens
from indicate_mcp.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from indicate_mcp.ids import new_id


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    org_id: str
    kind: str
    name: str
    email: str | None
    created_at: datetime
    deleted_at: datetime | None = None
    roles: dict[str, str] = field(default_factory=dict)  # space_id -> role


def _account(row: object, roles: dict[str, str] | None = None) -> Account:
    r = row
    return Account(
        r.id,  # type: ignore[attr-defined]
        r.org_id,  # type: ignore[attr-defined]
        r.kind,  # type: ignore[attr-defined]
        r.name,  # type: ignore[attr-defined]
        r.email,  # type: ignore[attr-defined]
        r.created_at,  # type: ignore[attr-defined]
        r.deleted_at,  # type: ignore[attr-defined]
        roles or {},
    )


async def _roles(conn: AsyncConnection, account_id: str) -> dict[str, str]:
    rows = await conn.execute(
        select(memberships.c.space_id, memberships.c.role).where(
            memberships.c.account_id == account_id
        )
    )
    return {r.space_id: r.role for r in rows}


async def fetch_account(conn: AsyncConnection, account_id: str, *, live: bool = True) -> Account:
    row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).one_or_none()
    if row is None or (live and row.deleted_at is not None):
        state = "was deleted" if row is not None else "does not exist"
        raise NotFound(
            f"account {account_id!r} {state}; list accounts with `indicate-mcp accounts list`",
            field="account",
        )
    return _account(row, await _roles(conn, account_id))


async def find_account(db: Database, ref: str, org_id: str | None = None) -> Account:
    """By ID or e-mail (case-insensitive); e-mails are unique within an organisation."""
    query = select(accounts).where(
        accounts.c.deleted_at.is_(None),
        or_(accounts.c.id == ref, accounts.c.email == ref.strip().lower()),
    )
    if org_id is not None:
        query = query.where(accounts.c.org_id == org_id)
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
        if not rows:
            raise NotFound(
                f"no account with ID or e-mail {ref!r}; "
                "list them with `indicate-mcp accounts list`",
                field="account",
            )
        if len(rows) > 1:
            raise InvalidInput(
                f"{ref!r} matches accounts in several organisations; use the account ID: "
                + ", ".join(r.id for r in rows),
                field="account",
            )
        return _account(rows[0], await _roles(conn, rows[0].id))


async def _require_team_manager(conn: AsyncConnection, actor: Actor, org_id: str) -> None:
    if not actor.is_operator:
        await require_managed_spaces(conn, actor, "manage accounts", org_id=org_id)


async def insert_account(
    conn: AsyncConnection, actor: Actor, *, org_id: str, kind: str, name: str, email: str | None
) -> Account:
    """The checked insert and its audit event, inside the caller's transaction."""
    account = Account(new_id("acc"), org_id, kind, name, email, utcnow())
    await fetch_organisation(conn, org_id)
    await _require_team_manager(conn, actor, org_id)
    if email is not None:
        taken = (
            await conn.execute(
                select(accounts.c.id).where(
                    accounts.c.org_id == org_id,
                    accounts.c.email == email,
                    accounts.c.deleted_at.is_(None),
                )
            )
        ).scalar_one_or_none()
        if taken:
            raise Conflict(
                f"the e-mail {email} already belongs to account {taken} in this "
                "organisation; e-mails are unique per organisation",
                field="email",
            )
    await conn.execute(
        insert(accounts).values(
            id=account.id,
            org_id=org_id,
            kind=kind,
            name=name,
            email=email,
            created_at=account.created_at,
        )
    )
    await audit.record(
        conn,
        actor,
        audit.TEAM,
        _created_action(kind),
        Target("account", account.id, org_id=org_id),
        after={"name": name, "email": email, "kind": kind},
    )
    return account


def _created_action(kind: str) -> str:
    return "account.created" if kind == "member" else "service_account.created"


async def _create(
    db: Database, actor: Actor, org_id: str, kind: str, name: str, email: str | None
) -> Account:
    target = Target("account", None, org_id=org_id)
    try:
        async with audit.audited_write(
            db, actor, audit.TEAM, _created_action(kind), target
        ) as conn:
            return await insert_account(
                conn, actor, org_id=org_id, kind=kind, name=name, email=email
            )
    except IntegrityError as exc:  # a concurrent insert of the same e-mail
        raise Conflict(f"the e-mail {email} is already taken in this organisation") from exc


async def create_member(
    db: Database, actor: Actor, *, org_id: str, name: str, email: str
) -> Account:
    return await _create(db, actor, org_id, "member", clean_name(name), clean_email(email))


async def create_service_account(db: Database, actor: Actor, *, org_id: str, name: str) -> Account:
    return await _create(db, actor, org_id, "service", clean_name(name), None)


async def list_accounts(
    db: Database, actor: Actor, org_id: str, *, kind: str | None = None
) -> list[Account]:
    async with db.read() as conn:
        await fetch_organisation(conn, org_id)
        query = (
            select(accounts)
            .where(accounts.c.org_id == org_id, accounts.c.deleted_at.is_(None))
            .order_by(accounts.c.kind, accounts.c.name)
        )
        if kind is not None:
            query = query.where(accounts.c.kind == kind)
        rows = (await conn.execute(query)).all()
        roles: dict[str, dict[str, str]] = {}
        for m in await conn.execute(
            select(memberships).where(memberships.c.account_id.in_([r.id for r in rows]))
        ):
            roles.setdefault(m.account_id, {})[m.space_id] = m.role
        result = [_account(r, roles.get(r.id)) for r in rows]
        if not actor.is_operator:
            await _require_team_manager(conn, actor, org_id)
    return result


async def delete_account(db: Database, actor: Actor, account_id: str) -> dict[str, object]:
    """Soft-delete: the row stays so tokens and the audit log keep naming it."""
    async with db.read() as conn:
        current = await fetch_account(conn, account_id)
    target = Target("account", account_id, org_id=current.org_id)
    async with audit.audited_write(db, actor, audit.TEAM, "account.deleted", target) as conn:
        account = await fetch_account(conn, account_id)
        await _require_team_manager(conn, actor, account.org_id)
        for space_id, role in account.roles.items():
            mine = await role_in(conn, actor, space_id)
            if mine not in MANAGER_ROLES:
                raise PermissionDenied(
                    f"{actor.name} cannot delete {account.name}: it is a member of space "
                    f"{space_id}, where {actor.name} is not an owner or admin"
                )
            if role == "owner" and mine != "owner":
                raise PermissionDenied(
                    f"{actor.name} cannot delete {account.name}: it is an owner of space "
                    f"{space_id}, and only owners can remove an owner"
                )
        for space_id, role in account.roles.items():
            if role == "owner" and await _owner_count(conn, space_id) == 1:
                raise Conflict(
                    f"{account.name} is the only owner of space {space_id}; make another "
                    "member owner first"
                )
        now = utcnow()
        revoked_rows = (
            await conn.execute(
                select(tokens.c.id, tokens.c.space_id)
                .where(tokens.c.account_id == account_id, tokens.c.status == "active")
                .order_by(tokens.c.id)
            )
        ).all()
        revoked = [r.id for r in revoked_rows]
        await conn.execute(
            update(tokens)
            .where(tokens.c.account_id == account_id, tokens.c.status == "active")
            .values(status="revoked", revoked_at=now)
        )
        await conn.execute(memberships.delete().where(memberships.c.account_id == account_id))
        await conn.execute(
            update(accounts).where(accounts.c.id == account_id).values(deleted_at=now)
        )
        for r in revoked_rows:
            await audit.token_revoked(
                conn,
                actor,
                Target("token", r.id, space_id=r.space_id, org_id=account.org_id),
                detail=f"account {account_id} deleted",
            )
        summary: dict[str, object] = {
            "account_id": account_id,
            "revoked_tokens": len(revoked),
            "revoked_token_ids": list(revoked),
            "removed_memberships": len(account.roles),
        }
        await audit.record(
            conn,
            actor,
            audit.TEAM,
            "account.deleted",
            target,
            before={"name": account.name, "email": account.email, "roles": account.roles},
            after=summary,
        )
    return summary


async def _owner_count(conn: AsyncConnection, space_id: str) -> int:
    return int(
        (
            await conn.execute(
                select(func.count())
                .select_from(memberships)
                .where(memberships.c.space_id == space_id, memberships.c.role == "owner")
            )
        ).scalar_one()
    )
