"""Token lifecycle: create, list, show, edit, regenerate, revoke. Tokens are never deleted.

Rules beyond the product's help text, chosen so no one gains access they did not have:
- the assigned account must be a live member of the space the token is created in;
- an account actor may only issue or reassign a token whose account holds no higher role than
  its own in every space the token would reach, and must manage each of those spaces (otherwise
  an admin of one space could mint an owner's multi-space credential for another);
- state changes are compare-and-set on ``status = 'active'``, so two racing regenerates leave
  one working secret, and a revoke that meets a regenerated token follows it to its successor.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from indicate_mcp.authority import audit
from indicate_mcp.authority.accounts import Account, fetch_account
from indicate_mcp.authority.audit import Target
from indicate_mcp.authority.model import (
    MANAGER_ROLES,
    SCOPES,
    STATUSES,
    Actor,
    IssuedToken,
    TokenView,
    utcnow,
)
from indicate_mcp.authority.organisations import fetch_organisation
from indicate_mcp.authority.permissions import (
    outranks_or_equals,
    require_managed_spaces,
    require_manager,
    role_in,
)
from indicate_mcp.authority.spaces import fetch_space
from indicate_mcp.authority.tokens import KINDS, mask, mint
from indicate_mcp.authority.validation import clean_name, one_of
from indicate_mcp.db import Database
from indicate_mcp.db.tables import accounts, tokens
from indicate_mcp.errors import Conflict, InvalidInput, NotFound, PermissionDenied, PlanRequired

MAX_EXPIRY_DAYS = 3650
MAX_LIST = 500


def _view(row: Row[Any]) -> TokenView:
    return TokenView(
        id=row.id,
        kind=row.kind,
        name=row.name,
        masked=mask(row.kind, row.id),
        scope=row.scope,
        status=row.status,
        space_id=row.space_id,
        account_id=row.account_id,
        account_name=row.account_name,
        created_at=row.created_at,
        created_by=row.created_by,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
        replaces_id=row.replaces_id,
        replaced_by_id=row.replaced_by_id,
        billing_start=row.billing_start,
    )


_VIEW_QUERY = select(tokens, accounts.c.name.label("account_name")).join(
    accounts, accounts.c.id == tokens.c.account_id
)


async def _fetch(conn: AsyncConnection, token_id: str) -> TokenView:
    row = (await conn.execute(_VIEW_QUERY.where(tokens.c.id == token_id))).one_or_none()
    if row is None:
        raise NotFound(
            f"no token {token_id!r}; use the 12-character token ID shown by "
            "`indicate-mcp tokens list` (e.g. the part after ind_agent_)",
            field="token",
        )
    return _view(row)


def _summary(view: TokenView) -> dict[str, Any]:
    data = asdict(view)
    for key in ("created_by", "last_used_at", "billing_start", "masked"):
        data.pop(key, None)
    return data


async def _check_assignable(
    conn: AsyncConnection, actor: Actor, space_id: str, org_id: str, scope: str, account: Account
) -> None:
    if account.org_id != org_id:
        raise InvalidInput(
            f"account {account.id} belongs to another organisation; choose an account of this one",
            field="account",
        )
    if space_id not in account.roles:
        raise InvalidInput(
            f"{account.name} ({account.id}) is not a member of space {space_id}; add the account "
            "to the space first, or choose one of its members",
            field="account",
        )
    if actor.is_operator:
        return
    reach = [space_id] if scope == "single" else sorted(account.roles)
    for sid in reach:
        mine = await role_in(conn, actor, sid)
        theirs = account.roles[sid]
        if mine not in MANAGER_ROLES or not outranks_or_equals(mine, theirs):
            held = mine or "no role"
            raise PermissionDenied(
                f"{actor.name} ({held} in {sid}) cannot issue a {scope}-space token for "
                f"{account.name}, who is {theirs} there: a token may not carry more rights "
                "than its issuer holds in every space it reaches"
            )


async def create_token(
    db: Database,
    actor: Actor,
    *,
    space_id: str,
    name: str,
    kind: str = "agent",
    scope: str = "single",
    account_id: str | None = None,
    acknowledge_billing: bool = False,
    expires_in_days: int | None = None,
) -> IssuedToken:
    name = clean_name(name)
    one_of(kind, KINDS, "kind")
    one_of(scope, SCOPES, "scope")
    if account_id is None:
        if actor.is_operator:
            raise InvalidInput(
                "the local operator has no account: name the account that will hold the token "
                "(--account ID or e-mail)",
                field="account",
            )
        account_id = actor.account_id
    assert account_id is not None
    if kind == "agent" and not acknowledge_billing:
        raise InvalidInput(
            "each agent token is billed as an additional seat; acknowledge the billing "
            "(--acknowledge-billing, or acknowledge_billing=true) to create it",
            field="acknowledge_billing",
        )
    expires_at = _expiry(expires_in_days)
    async with db.read() as conn:
        space = await fetch_space(conn, space_id)
    issued = mint(kind)  # type: ignore[arg-type]
    target = Target("token", issued.token_id, space_id=space_id, org_id=space.org_id)
    async with audit.audited_write(db, actor, audit.TOKENS, "token.created", target) as conn:
        await require_manager(conn, actor, space_id, "create tokens")
        org = await fetch_organisation(conn, space.org_id)
        if kind == "api" and org.plan != "enterprise":
            raise PlanRequired(
                f"API tokens are an Enterprise feature; organisation {org.name} is on the "
                f"{org.plan} plan. Agent tokens are available on every plan."
            )
        account = await fetch_account(conn, account_id)
        await _check_assignable(conn, actor, space_id, space.org_id, scope, account)
        now = utcnow()
        await conn.execute(
            insert(tokens).values(
                id=issued.token_id,
                org_id=space.org_id,
                space_id=space_id,
                account_id=account.id,
                kind=kind,
                scope=scope,
                name=name,
                status="active",
                secret_hash=issued.secret_hash,
                created_at=now,
                created_by=actor.label,
                expires_at=expires_at,
                billing_start=now.date() if kind == "agent" else None,
            )
        )
        view = await _fetch(conn, issued.token_id)
        await audit.record(conn, actor, audit.TOKENS, "token.created", target, after=_summary(view))
    return IssuedToken(view, issued.plaintext)


def _expiry(days: int | None) -> datetime | None:
    if days is None:
        return None
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise InvalidInput(
            f"expiry must be between 1 and {MAX_EXPIRY_DAYS} days", field="expires_in_days"
        )
    return utcnow() + timedelta(days=days)


async def list_tokens(
    db: Database,
    actor: Actor,
    *,
    space_id: str | None = None,
    org_id: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    search: str | None = None,
    limit: int = MAX_LIST,
) -> list[TokenView]:
    """Owners and admins see the tokens of the spaces they manage; the operator sees all.
    ``status`` is one of active/revoked/regenerated, or None for All."""
    if status is not None and status != "all":
        one_of(status, STATUSES, "status")
    if kind is not None:
        one_of(kind, KINDS, "kind")
    query = _VIEW_QUERY.order_by(tokens.c.created_at.desc(), tokens.c.id).limit(limit)
    async with db.read() as conn:
        if space_id is not None:
            await fetch_space(conn, space_id)
            await require_manager(conn, actor, space_id, "list tokens")
            query = query.where(tokens.c.space_id == space_id)
        elif not actor.is_operator:
            managed = await require_managed_spaces(conn, actor, "see tokens")
            query = query.where(tokens.c.space_id.in_(sorted(managed)))
        if org_id is not None:
            query = query.where(tokens.c.org_id == org_id)
        if status not in (None, "all"):
            query = query.where(tokens.c.status == status)
        if kind is not None:
            query = query.where(tokens.c.kind == kind)
        if search:
            query = query.where(tokens.c.name.ilike(f"%{_escape_like(search)}%", escape="\\"))
        return [_view(r) for r in await conn.execute(query)]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def get_token(db: Database, actor: Actor, token_id: str) -> TokenView:
    async with db.read() as conn:
        view = await _fetch(conn, token_id)
        await require_manager(conn, actor, view.space_id, "see its tokens")
        return view


async def _target(db: Database, token_id: str) -> tuple[TokenView, Target]:
    async with db.read() as conn:
        view = await _fetch(conn, token_id)
        space = await fetch_space(conn, view.space_id)
    return view, Target("token", token_id, space_id=view.space_id, org_id=space.org_id)


async def edit_token(
    db: Database,
    actor: Actor,
    token_id: str,
    *,
    name: str | None = None,
    account_id: str | None = None,
) -> TokenView:
    """Rename and/or reassign ("I assigned a token to the wrong user"). Scope never changes."""
    if name is None and account_id is None:
        raise InvalidInput("nothing to change: give a new name, a new account, or both")
    new_name = clean_name(name) if name is not None else None
    _, target = await _target(db, token_id)
    async with audit.audited_write(db, actor, audit.TOKENS, "token.updated", target) as conn:
        before = await _fetch(conn, token_id)
        await require_manager(conn, actor, before.space_id, "edit its tokens")
        if before.status != "active":
            raise Conflict(f"token {token_id} is {before.status}; only active tokens can be edited")
        values: dict[str, Any] = {}
        if new_name is not None and new_name != before.name:
            values["name"] = new_name
        if account_id is not None and account_id != before.account_id:
            account = await fetch_account(conn, account_id)
            await _check_assignable(
                conn, actor, before.space_id, target.org_id or "", before.scope, account
            )
            values["account_id"] = account.id
        if not values:
            return before
        result = await conn.execute(
            update(tokens)
            .where(tokens.c.id == token_id, tokens.c.status == "active")
            .values(**values)
        )
        if result.rowcount != 1:
            raise Conflict(f"token {token_id} changed state while it was being edited; try again")
        after = await _fetch(conn, token_id)
        await audit.record(
            conn,
            actor,
            audit.TOKENS,
            "token.updated",
            target,
            before={k: getattr(before, k) for k in values},
            after={k: getattr(after, k) for k in values},
        )
    return after


async def regenerate_token(db: Database, actor: Actor, token_id: str) -> IssuedToken:
    """New secret and ID, same name, account, scope, expiry and seat; the old credential becomes
    ``regenerated`` and stops working when this returns."""
    _, target = await _target(db, token_id)
    async with audit.audited_write(db, actor, audit.TOKENS, "token.regenerated", target) as conn:
        old = await _fetch(conn, token_id)
        await require_manager(conn, actor, old.space_id, "regenerate its tokens")
        issued = mint(old.kind)  # type: ignore[arg-type]
        claimed = await conn.execute(
            update(tokens)
            .where(tokens.c.id == token_id, tokens.c.status == "active")
            .values(status="regenerated", replaced_by_id=issued.token_id, revoked_at=utcnow())
        )
        if claimed.rowcount != 1:
            now = await _fetch(conn, token_id)
            hint = f" by {now.replaced_by_id}" if now.replaced_by_id else ""
            raise Conflict(
                f"token {token_id} is {now.status}{hint}; only active tokens can be regenerated"
            )
        row = (await conn.execute(select(tokens).where(tokens.c.id == token_id))).one()
        await conn.execute(
            insert(tokens).values(
                id=issued.token_id,
                org_id=row.org_id,
                space_id=row.space_id,
                account_id=row.account_id,
                kind=row.kind,
                scope=row.scope,
                name=row.name,
                status="active",
                secret_hash=issued.secret_hash,
                created_at=utcnow(),
                created_by=actor.label,
                expires_at=row.expires_at,
                replaces_id=token_id,
                billing_start=row.billing_start,
            )
        )
        new = await _fetch(conn, issued.token_id)
        await audit.record(
            conn,
            actor,
            audit.TOKENS,
            "token.regenerated",
            target,
            before={"id": token_id, "status": "active"},
            after={"id": new.id, "status": "active", "old_status": "regenerated"},
        )
    return IssuedToken(new, issued.plaintext)


async def revoke_token(db: Database, actor: Actor, token_id: str) -> TokenView:
    """Permanent. If the token was regenerated meanwhile, the revoke follows the chain and
    revokes the credential that replaced it: the user meant to cut this integration off."""
    _, target = await _target(db, token_id)
    async with audit.audited_write(db, actor, audit.TOKENS, "token.revoked", target) as conn:
        current = await _fetch(conn, token_id)
        await require_manager(conn, actor, current.space_id, "revoke its tokens")
        for _hop in range(1000):
            done = await conn.execute(
                update(tokens)
                .where(tokens.c.id == current.id, tokens.c.status == "active")
                .values(status="revoked", revoked_at=utcnow())
            )
            if done.rowcount == 1:
                break
            current = await _fetch(conn, current.id)
            if current.status == "regenerated" and current.replaced_by_id:
                current = await _fetch(conn, current.replaced_by_id)
                continue
            raise Conflict(f"token {token_id} is already revoked")
        revoked = await _fetch(conn, current.id)
        detail = None if current.id == token_id else f"followed regeneration to {current.id}"
        await audit.token_revoked(
            conn,
            actor,
            Target("token", current.id, space_id=target.space_id, org_id=target.org_id),
            detail=detail,
        )
    return revoked


__all__ = [
    "create_token",
    "edit_token",
    "get_token",
    "list_tokens",
    "regenerate_token",
    "revoke_token",
]
