"""Racing state changes on one token, from two independent engines (as two processes would),
on SQLite and PostgreSQL: exactly one working secret, none after a revoke, and an audit
trail that matches what happened."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from authority_world import OPERATOR, World
from indicate_mcp.authority import issuance
from indicate_mcp.authority.model import IssuedToken
from indicate_mcp.authority.resolver import Resolver
from indicate_mcp.db import Database
from indicate_mcp.db.tables import audit_events, tokens
from indicate_mcp.errors import AuthenticationFailed, Conflict

ROUNDS = 8


async def working_secrets(db: Database, secrets: list[str]) -> list[str]:
    resolver = Resolver(db)
    alive = []
    for secret in secrets:
        try:
            await resolver.resolve(secret, "mcp")
            alive.append(secret)
        except AuthenticationFailed:
            pass
    return alive


async def success_events(db: Database, action: str, targets: set[str]) -> list[Any]:
    async with db.read() as conn:
        return (
            await conn.execute(
                select(audit_events).where(
                    audit_events.c.action == action,
                    audit_events.c.outcome == "success",
                    audit_events.c.target_id.in_(sorted(targets)),
                )
            )
        ).all()


async def test_two_concurrent_regenerates_leave_exactly_one_working_secret(
    world: World, db_url: str
) -> None:
    first, second = Database(db_url), Database(db_url)
    try:
        for _ in range(ROUNDS):
            original = await world.agent_token(world.owner)
            results = await asyncio.gather(
                issuance.regenerate_token(first, OPERATOR, original.token.id),
                issuance.regenerate_token(second, OPERATOR, original.token.id),
                return_exceptions=True,
            )
            won = [r for r in results if isinstance(r, IssuedToken)]
            lost = [r for r in results if isinstance(r, Exception)]
            assert len(won) == 1 and len(lost) == 1, results
            assert isinstance(lost[0], Conflict)
            secrets = [original.secret, won[0].secret]
            assert await working_secrets(world.db, secrets) == [won[0].secret]
            async with world.db.read() as conn:
                active = (
                    (
                        await conn.execute(
                            select(tokens.c.id).where(
                                tokens.c.status == "active",
                                (tokens.c.id == original.token.id)
                                | (tokens.c.replaces_id == original.token.id),
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
            assert active == [won[0].token.id]
            events = await success_events(world.db, "token.regenerated", {original.token.id})
            assert len(events) == 1 and events[0].after["id"] == won[0].token.id
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_revoke_racing_a_regenerate_leaves_no_working_secret(
    world: World, db_url: str
) -> None:
    first, second = Database(db_url), Database(db_url)
    try:
        for round_ in range(ROUNDS):
            original = await world.agent_token(world.owner)
            calls = [
                issuance.regenerate_token(first, OPERATOR, original.token.id),
                issuance.revoke_token(second, OPERATOR, original.token.id),
            ]
            if round_ % 2:
                calls.reverse()
            results = await asyncio.gather(*calls, return_exceptions=True)
            regenerated = [r for r in results if isinstance(r, IssuedToken)]
            failures = [r for r in results if isinstance(r, Exception)]
            assert all(isinstance(f, Conflict) for f in failures), failures
            secrets = [original.secret, *(r.secret for r in regenerated)]
            assert await working_secrets(world.db, secrets) == []
            ids = {original.token.id, *(r.token.id for r in regenerated)}
            revokes = await success_events(world.db, "token.revoked", ids)
            regens = await success_events(world.db, "token.regenerated", {original.token.id})
            assert len(revokes) == 1
            assert len(regens) == len(regenerated)
            if regenerated:  # the regenerate won: the revoke followed it to the new token
                assert revokes[0].target_id == regenerated[0].token.id
    finally:
        await first.dispose()
        await second.dispose()


async def test_two_concurrent_revokes_record_one_revocation(world: World, db_url: str) -> None:
    first, second = Database(db_url), Database(db_url)
    try:
        original = await world.agent_token(world.owner)
        results = await asyncio.gather(
            issuance.revoke_token(first, OPERATOR, original.token.id),
            issuance.revoke_token(second, OPERATOR, original.token.id),
            return_exceptions=True,
        )
        assert sorted(type(r).__name__ for r in results) == ["Conflict", "TokenView"]
        assert len(await success_events(world.db, "token.revoked", {original.token.id})) == 1
    finally:
        await first.dispose()
        await second.dispose()
