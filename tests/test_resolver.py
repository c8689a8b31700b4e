"""resolve(secret, surface): the caller as it is now, or one generic refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from authority_world import OPERATOR, World
from indicate_mcp.authority import accounts, issuance, memberships, organisations
from indicate_mcp.authority.model import utcnow
from indicate_mcp.authority.resolver import Resolver
from indicate_mcp.authority.tokens import mint
from indicate_mcp.db import Database
from indicate_mcp.db.tables import audit_events, tokens
from indicate_mcp.errors import AuthenticationFailed, PlanRequired, WrongTokenKind


async def reason(resolver: Resolver, secret: str, surface: str = "mcp") -> str:
    with pytest.raises(AuthenticationFailed) as refused:
        await resolver.resolve(secret, surface)  # type: ignore[arg-type]
    assert refused.value.message == AuthenticationFailed.public_message or isinstance(
        refused.value, WrongTokenKind
    )
    return refused.value.reason


async def test_single_space_token_reaches_only_its_space(world: World) -> None:
    issued = await world.agent_token(world.owner, scope="single")
    caller = await Resolver(world.db).resolve(issued.secret, "mcp")
    assert [(s.space_id, s.role) for s in caller.spaces] == [(world.hotel.id, "owner")]
    assert caller.role_in(world.lake.id) is None
    assert (caller.account_id, caller.kind, caller.scope, caller.plan) == (
        world.owner.id,
        "agent",
        "single",
        "enterprise",
    )
    assert caller.masked_token == issued.token.masked


async def test_multi_space_reach_follows_memberships_at_request_time(world: World) -> None:
    issued = await world.agent_token(world.admin, scope="multi")
    resolver = Resolver(world.db)
    caller = await resolver.resolve(issued.secret, "mcp")
    assert {(s.space_id, s.role) for s in caller.spaces} == {
        (world.hotel.id, "admin"),
        (world.lake.id, "reader"),
    }
    await memberships.remove_member(
        world.db, OPERATOR, space_id=world.lake.id, account_id=world.admin.id
    )
    caller = await resolver.resolve(issued.secret, "mcp")
    assert [s.space_id for s in caller.spaces] == [world.hotel.id]
    await memberships.change_role(
        world.db, OPERATOR, space_id=world.hotel.id, account_id=world.admin.id, role="reader"
    )
    assert (await resolver.resolve(issued.secret, "mcp")).role_in(world.hotel.id) == "reader"


async def test_a_single_space_token_dies_with_its_membership(world: World) -> None:
    issued = await world.agent_token(world.user)
    resolver = Resolver(world.db)
    await resolver.resolve(issued.secret, "mcp")
    await memberships.remove_member(
        world.db, OPERATOR, space_id=world.hotel.id, account_id=world.user.id
    )
    assert await reason(resolver, issued.secret) == "no_space"


async def test_refusal_reasons_stay_on_the_server(world: World) -> None:
    resolver = Resolver(world.db)
    revoked = await world.agent_token(world.owner)
    await issuance.revoke_token(world.db, OPERATOR, revoked.token.id)
    regenerated = await world.agent_token(world.owner)
    await issuance.regenerate_token(world.db, OPERATOR, regenerated.token.id)
    deleted = await world.agent_token(world.bot)
    expired = await world.agent_token(world.owner)
    async with world.db.write() as conn:
        await conn.execute(
            update(tokens)
            .where(tokens.c.id == expired.token.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    await accounts.delete_account(world.db, OPERATOR, world.bot.id)
    valid = await world.agent_token(world.owner)
    assert await reason(resolver, mint("agent").plaintext) == "unknown"
    assert await reason(resolver, valid.secret[:-1] + "x") in {"bad_checksum", "malformed"}
    assert await reason(resolver, "not a token") == "malformed"
    assert await reason(resolver, revoked.secret) == "revoked"
    assert await reason(resolver, regenerated.secret) == "regenerated"
    assert await reason(resolver, expired.secret) == "expired"
    # deleting the account revoked its tokens in the same transaction
    assert await reason(resolver, deleted.secret) == "revoked"


async def test_each_kind_belongs_to_its_own_surface(world: World) -> None:
    resolver = Resolver(world.db)
    agent = await world.agent_token(world.owner)
    api = await world.api_token(world.owner)
    assert (await resolver.resolve(api.secret, "api")).kind == "api"
    with pytest.raises(WrongTokenKind) as at_mcp:
        await resolver.resolve(api.secret, "mcp")
    assert at_mcp.value.status == 403 and "agent token" in at_mcp.value.message
    with pytest.raises(WrongTokenKind) as at_api:
        await resolver.resolve(agent.secret, "api")
    assert "API token" in at_api.value.message


async def test_a_downgrade_stops_api_tokens_at_the_next_request(world: World) -> None:
    resolver = Resolver(world.db)
    api = await world.api_token(world.owner)
    await resolver.resolve(api.secret, "api")
    await organisations.set_plan(world.db, OPERATOR, world.org.id, "pro")
    with pytest.raises(PlanRequired):
        await resolver.resolve(api.secret, "api")
    agent = await world.agent_token(world.owner)
    await resolver.resolve(agent.secret, "mcp")  # agent tokens are on every plan


async def test_malformed_tokens_are_refused_without_any_io() -> None:
    # A database nobody listens on: any query would fail with a connection error.
    unreachable = Database("postgresql://nobody@127.0.0.1:1/none")
    resolver = Resolver(unreachable)
    try:
        for raw in ("", "x" * 100_000, "ind_agent_" + "a" * 12 + "_" + "b" * 38, "\x00\xff"):
            with pytest.raises(AuthenticationFailed):
                await resolver.resolve(raw, "mcp")
    finally:
        await unreachable.dispose()


async def test_last_used_is_batched_at_most_once_a_minute(world: World) -> None:
    issued = await world.agent_token(world.owner)
    resolver = Resolver(world.db)
    for _ in range(20):
        await resolver.resolve(issued.secret, "mcp")
    async with world.db.read() as conn:
        stored = await conn.scalar(
            select(tokens.c.last_used_at).where(tokens.c.id == issued.token.id)
        )
    assert stored is None  # nothing written on the request path
    assert await resolver.flush_usage() == 1
    assert await resolver.flush_usage() == 0
    for _ in range(5):
        await resolver.resolve(issued.secret, "mcp")
    assert await resolver.flush_usage() == 0  # within the minute: no new write
    view = await issuance.get_token(world.db, OPERATOR, issued.token.id)
    assert view.last_used_at is not None


async def test_refusals_of_known_tokens_are_audited_once_a_minute(world: World) -> None:
    issued = await world.agent_token(world.owner)
    await issuance.revoke_token(world.db, OPERATOR, issued.token.id)
    resolver = Resolver(world.db)
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            await resolver.resolve(issued.secret, "mcp", client_ip="10.1.2.3", user_agent="curl")
    async with world.db.read() as conn:
        rows = (
            await conn.execute(select(audit_events).where(audit_events.c.action == "token.refused"))
        ).all()
    assert len(rows) == 1
    assert (rows[0].detail, rows[0].client_ip, rows[0].user_agent, rows[0].outcome) == (
        "revoked",
        "10.1.2.3",
        "curl",
        "refused",
    )


async def test_require_space_names_what_the_token_reaches(world: World) -> None:
    from indicate_mcp.errors import InvalidInput, NotFound

    resolver = Resolver(world.db)
    single = await resolver.resolve((await world.agent_token(world.owner)).secret, "mcp")
    assert single.require_space(None).space_id == world.hotel.id  # implied by a single reach
    multi = await resolver.resolve(
        (await world.agent_token(world.owner, scope="multi")).secret, "mcp"
    )
    with pytest.raises(InvalidInput) as ambiguous:
        multi.require_space(None, noun="tenant")
    assert ambiguous.value.field == "tenant_id"
    assert world.hotel.id in ambiguous.value.message and world.lake.id in ambiguous.value.message
    for elsewhere in (world.lake.id, world.outsider_space.id, "spc_missing"):
        with pytest.raises(NotFound) as unreachable:
            single.require_space(elsewhere)
        # a foreign space and a missing one read the same; only reachable IDs are named
        assert unreachable.value.message == (
            f"space {elsewhere!r} is not reachable with this token; "
            f"valid: {world.hotel.id} (Mountain Resort)"
        )


async def test_usage_survives_a_failed_flush(world: World) -> None:
    issued = await world.agent_token(world.owner)
    resolver = Resolver(world.db)
    await resolver.resolve(issued.secret, "mcp")
    resolver.db = Database("postgresql://nobody@127.0.0.1:1/none")  # the write will fail
    with pytest.raises(OSError):
        await resolver.flush_usage()
    await resolver.db.dispose()
    resolver.db = world.db
    assert await resolver.flush_usage() == 1
    view = await issuance.get_token(world.db, OPERATOR, issued.token.id)
    assert view.last_used_at is not None
