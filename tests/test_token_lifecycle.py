"""The token lifecycle as the product's help text describes it, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from authority_world import OPERATOR, World
from indicate_mcp.authority import issuance
from indicate_mcp.authority.resolver import Resolver
from indicate_mcp.db.tables import audit_events, tokens
from indicate_mcp.errors import AuthenticationFailed, Conflict


async def test_create_shows_the_secret_once_and_lists_it_masked(world: World) -> None:
    issued = await world.agent_token(world.admin, name="My Claude Connection")
    view = issued.token
    assert issued.secret.startswith(f"ind_agent_{view.id}_")
    assert view.masked == f"ind_agent_{view.id}_…"
    assert (view.name, view.scope, view.status, view.account_name) == (
        "My Claude Connection",
        "single",
        "active",
        "Adam Admin",
    )
    listed = await issuance.list_tokens(world.db, OPERATOR, space_id=world.hotel.id)
    assert [t.id for t in listed] == [view.id]
    assert issued.secret not in repr(listed)
    shown = await issuance.get_token(world.db, OPERATOR, view.id)
    assert shown == view
    assert issued.secret not in repr(issued)  # the secret is kept out of reprs and logs


async def test_a_token_made_without_an_account_belongs_to_its_creator(world: World) -> None:
    issued = await issuance.create_token(
        world.db,
        world.actor(world.admin),
        space_id=world.hotel.id,
        name="mine",
        acknowledge_billing=True,
    )
    assert issued.token.account_id == world.admin.id
    assert issued.token.created_by == f"Adam Admin ({world.admin.id})"


async def test_list_filters_by_status_kind_and_name(world: World) -> None:
    a = await world.agent_token(world.owner, name="Production Claude")
    b = await world.agent_token(world.bot, name="Marketing n8n")
    c = await world.api_token(world.bot)
    await issuance.revoke_token(world.db, OPERATOR, b.token.id)
    regen = await issuance.regenerate_token(world.db, OPERATOR, a.token.id)

    async def ids(**kw: object) -> set[str]:
        found = await issuance.list_tokens(world.db, OPERATOR, space_id=world.hotel.id, **kw)  # type: ignore[arg-type]
        return {t.id for t in found}

    assert await ids() == {a.token.id, b.token.id, c.token.id, regen.token.id}
    assert await ids(status="all") == await ids()
    assert await ids(status="active") == {c.token.id, regen.token.id}
    assert await ids(status="revoked") == {b.token.id}
    assert await ids(status="regenerated") == {a.token.id}
    assert await ids(kind="api") == {c.token.id}
    assert await ids(search="claude") == {a.token.id, regen.token.id}
    assert await ids(search="%") == set()  # LIKE wildcards are matched literally


async def test_edit_renames_and_reassigns(world: World) -> None:
    issued = await world.agent_token(world.user, name="wrong user")
    resolver = Resolver(world.db)
    assert (await resolver.resolve(issued.secret, "mcp")).account_id == world.user.id
    edited = await issuance.edit_token(
        world.db, OPERATOR, issued.token.id, name="n8n reporting", account_id=world.bot.id
    )
    assert (edited.name, edited.account_id, edited.account_name) == (
        "n8n reporting",
        world.bot.id,
        "n8n bot",
    )
    # The same secret now speaks for the new account, at once.
    caller = await resolver.resolve(issued.secret, "mcp")
    assert (caller.account_id, caller.token_name) == (world.bot.id, "n8n reporting")


async def test_regenerate_keeps_settings_and_kills_the_old_secret(world: World) -> None:
    old = await world.agent_token(world.owner, scope="multi", name="Claude")
    resolver = Resolver(world.db)
    await resolver.resolve(old.secret, "mcp")
    new = await issuance.regenerate_token(world.db, OPERATOR, old.token.id)
    assert new.secret != old.secret and new.token.id != old.token.id
    for field in ("name", "account_id", "scope", "kind", "space_id", "billing_start", "expires_at"):
        assert getattr(new.token, field) == getattr(old.token, field), field
    assert new.token.replaces_id == old.token.id
    old_now = await issuance.get_token(world.db, OPERATOR, old.token.id)
    assert (old_now.status, old_now.replaced_by_id) == ("regenerated", new.token.id)
    with pytest.raises(AuthenticationFailed) as refused:
        await resolver.resolve(old.secret, "mcp")
    assert refused.value.reason == "regenerated"
    assert (await resolver.resolve(new.secret, "mcp")).token_id == new.token.id
    with pytest.raises(Conflict, match="regenerated"):
        await issuance.regenerate_token(world.db, OPERATOR, old.token.id)


async def test_revoke_is_permanent_and_never_deletes(world: World) -> None:
    issued = await world.agent_token(world.owner)
    resolver = Resolver(world.db)
    revoked = await issuance.revoke_token(world.db, OPERATOR, issued.token.id)
    assert revoked.status == "revoked" and revoked.revoked_at is not None
    with pytest.raises(AuthenticationFailed) as refused:
        await resolver.resolve(issued.secret, "mcp")
    assert refused.value.reason == "revoked"
    with pytest.raises(Conflict, match="already revoked"):
        await issuance.revoke_token(world.db, OPERATOR, issued.token.id)
    with pytest.raises(Conflict):
        await issuance.regenerate_token(world.db, OPERATOR, issued.token.id)
    with pytest.raises(Conflict):
        await issuance.edit_token(world.db, OPERATOR, issued.token.id, name="again")
    async with world.db.read() as conn:
        assert (await conn.execute(select(tokens.c.id))).scalars().all() == [issued.token.id]
    # The account the token was assigned to is untouched.
    listed = await issuance.list_tokens(world.db, OPERATOR, space_id=world.hotel.id)
    assert listed[0].account_name == "Olga Owner"


async def test_revoking_a_regenerated_token_revokes_its_successor(world: World) -> None:
    old = await world.agent_token(world.owner)
    new = await issuance.regenerate_token(world.db, OPERATOR, old.token.id)
    newest = await issuance.regenerate_token(world.db, OPERATOR, new.token.id)
    revoked = await issuance.revoke_token(world.db, OPERATOR, old.token.id)
    assert revoked.id == newest.token.id
    resolver = Resolver(world.db)
    for secret in (old.secret, new.secret, newest.secret):
        with pytest.raises(AuthenticationFailed):
            await resolver.resolve(secret, "mcp")
    async with world.db.read() as conn:
        event = (
            await conn.execute(select(audit_events).where(audit_events.c.action == "token.revoked"))
        ).one()
    assert event.target_id == newest.token.id
    assert event.detail == f"followed regeneration to {newest.token.id}"


async def test_every_change_is_audited_under_api_tokens(world: World) -> None:
    issued = await world.agent_token(world.owner)
    await issuance.edit_token(world.db, world.actor(world.owner), issued.token.id, name="renamed")
    new = await issuance.regenerate_token(world.db, world.actor(world.owner), issued.token.id)
    await issuance.revoke_token(world.db, world.actor(world.owner), new.token.id)
    async with world.db.read() as conn:
        rows = (
            await conn.execute(
                select(audit_events)
                .where(audit_events.c.namespace == "API Tokens")
                .order_by(audit_events.c.id)
            )
        ).all()
    assert [(r.action, r.outcome, r.channel) for r in rows] == [
        ("token.created", "success", "cli"),
        ("token.updated", "success", "cli"),
        ("token.regenerated", "success", "cli"),
        ("token.revoked", "success", "cli"),
    ]
    assert rows[1].before == {"name": "t"} and rows[1].after == {"name": "renamed"}
    assert rows[2].actor_id == world.owner.id and rows[2].space_id == world.hotel.id
    for row in rows:
        assert issued.secret not in repr(tuple(row)) and new.secret not in repr(tuple(row))
