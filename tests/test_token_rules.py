"""Who may do what, and bad input: a clear error, and the database exactly as it was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from authority_world import OPERATOR, World, snapshot
from indicate_mcp.authority import issuance, organisations
from indicate_mcp.authority.model import Actor
from indicate_mcp.db.tables import audit_events
from indicate_mcp.errors import (
    Conflict,
    IndicateError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PlanRequired,
)


async def refused_without_trace(
    world: World, call: Callable[[], Awaitable[Any]], error: type[IndicateError], *words: str
) -> IndicateError:
    before = await snapshot(world.db)
    with pytest.raises(error) as raised:
        await call()
    for word in words:
        assert word in raised.value.message, raised.value.message
    assert await snapshot(world.db) == before
    return raised.value


async def create(world: World, actor: Actor, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "space_id": world.hotel.id,
        "name": "t",
        "kind": "agent",
        "scope": "single",
        "acknowledge_billing": True,
    }
    args.update(kw)
    return await issuance.create_token(world.db, actor, **args)


@pytest.mark.parametrize("who", ["user", "reader", "bot"])
async def test_users_and_readers_cannot_manage_tokens_and_are_audited(
    world: World, who: str
) -> None:
    actor = world.actor(getattr(world, who))
    target = await world.agent_token(world.owner)
    for call in (
        lambda: create(world, actor),
        lambda: issuance.edit_token(world.db, actor, target.token.id, name="x"),
        lambda: issuance.regenerate_token(world.db, actor, target.token.id),
        lambda: issuance.revoke_token(world.db, actor, target.token.id),
    ):
        await refused_without_trace(
            world, call, PermissionDenied, "only owners and admins", world.hotel.id
        )
    async with world.db.read() as conn:
        denied = (
            (
                await conn.execute(
                    select(audit_events.c.action).where(
                        audit_events.c.outcome == "denied",
                        audit_events.c.actor_id == actor.account_id,
                    )
                )
            )
            .scalars()
            .all()
        )
    assert sorted(denied) == sorted(
        ["token.created", "token.updated", "token.regenerated", "token.revoked"]
    )


async def test_managers_of_one_space_cannot_touch_tokens_of_another(world: World) -> None:
    lake_token = await world.agent_token(world.owner, space=world.lake)
    # The admin of the hotel is only a reader at the lake.
    await refused_without_trace(
        world,
        lambda: issuance.revoke_token(world.db, world.actor(world.admin), lake_token.token.id),
        PermissionDenied,
        "reader",
    )


async def test_an_admin_cannot_mint_a_credential_stronger_than_their_own(world: World) -> None:
    await refused_without_trace(
        world,
        lambda: create(world, world.actor(world.admin), account_id=world.owner.id),
        PermissionDenied,
        "owner",
    )
    # Multi-space for the admin's own account: the admin is only a reader at the lake.
    await refused_without_trace(
        world,
        lambda: create(world, world.actor(world.admin), scope="multi"),
        PermissionDenied,
        world.lake.id,
    )
    issued = await create(world, world.actor(world.admin), account_id=world.bot.id)
    assert issued.token.account_id == world.bot.id


async def test_reassign_needs_a_member_of_the_same_organisation_and_space(world: World) -> None:
    issued = await world.agent_token(world.owner)
    await refused_without_trace(
        world,
        lambda: issuance.edit_token(
            world.db, OPERATOR, issued.token.id, account_id=world.stranger.id
        ),
        InvalidInput,
        "another organisation",
    )
    lake_only = await world.agent_token(world.owner, space=world.lake)
    await refused_without_trace(
        world,
        lambda: issuance.edit_token(
            world.db, OPERATOR, lake_only.token.id, account_id=world.user.id
        ),
        InvalidInput,
        "not a member of space",
    )
    await refused_without_trace(
        world,
        lambda: issuance.edit_token(world.db, OPERATOR, issued.token.id, account_id="acc_nope"),
        NotFound,
        "accounts list",
    )


async def test_bad_input_says_what_would_be_valid(world: World) -> None:
    cases: list[tuple[dict[str, Any], type[IndicateError], tuple[str, ...]]] = [
        ({"name": ""}, InvalidInput, ("must not be empty", "1 to 128")),
        ({"name": "x" * 129}, InvalidInput, ("129", "at most 128")),
        ({"name": "bell\x07"}, InvalidInput, ("control",)),
        ({"kind": "robot"}, InvalidInput, ("agent, api",)),
        ({"scope": "galaxy"}, InvalidInput, ("single, multi",)),
        ({"acknowledge_billing": False}, InvalidInput, ("billed", "acknowledge")),
        ({"space_id": "spc_missing"}, NotFound, ("spaces list",)),
        ({"account_id": None}, InvalidInput, ("--account",)),
        ({"expires_in_days": 0}, InvalidInput, ("between 1 and",)),
    ]
    for overrides, error, words in cases:
        kw = {"account_id": world.owner.id, **overrides}
        await refused_without_trace(
            world, lambda kw=kw: create(world, OPERATOR, **kw), error, *words
        )
    await refused_without_trace(
        world,
        lambda: issuance.edit_token(world.db, OPERATOR, "nope", name="x"),
        NotFound,
        "12-character token ID",
    )


async def test_api_tokens_need_the_enterprise_plan(world: World) -> None:
    await organisations.set_plan(world.db, OPERATOR, world.org.id, "pro")
    error = await refused_without_trace(
        world,
        lambda: create(world, OPERATOR, kind="api", account_id=world.owner.id),
        PlanRequired,
        "Enterprise",
        "pro plan",
    )
    assert error.status == 403
    # Agent tokens stay available on every plan, and API tokens need no billing acknowledgement.
    await create(world, OPERATOR, account_id=world.owner.id)
    await organisations.set_plan(world.db, OPERATOR, world.org.id, "enterprise")
    await create(world, OPERATOR, kind="api", account_id=world.owner.id, acknowledge_billing=False)


async def test_an_account_of_another_organisation_cannot_be_assigned(world: World) -> None:
    await refused_without_trace(
        world,
        lambda: create(world, OPERATOR, account_id=world.stranger.id),
        InvalidInput,
        "another organisation",
    )


async def test_editing_nothing_is_an_error_and_same_values_change_nothing(world: World) -> None:
    issued = await world.agent_token(world.owner, name="same")
    await refused_without_trace(
        world,
        lambda: issuance.edit_token(world.db, OPERATOR, issued.token.id),
        InvalidInput,
        "nothing to change",
    )
    before = await snapshot(world.db, skip=())
    unchanged = await issuance.edit_token(world.db, OPERATOR, issued.token.id, name="same")
    assert unchanged.name == "same"
    assert await snapshot(world.db, skip=()) == before


async def test_a_conflict_names_the_successor(world: World) -> None:
    issued = await world.agent_token(world.owner)
    new = await issuance.regenerate_token(world.db, OPERATOR, issued.token.id)
    error = await refused_without_trace(
        world,
        lambda: issuance.regenerate_token(world.db, OPERATOR, issued.token.id),
        Conflict,
        new.token.id,
    )
    assert error.status == 409
