"""Accounts, memberships and spaces: validation, the owner rules, account deletion and who may
do what. Every refusal is checked to leave the database exactly as it was."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from authority_world import OPERATOR, World, snapshot
from indicate_mcp.authority import accounts, issuance, memberships, spaces
from indicate_mcp.authority.resolver import Resolver
from indicate_mcp.db.tables import accounts as accounts_table
from indicate_mcp.db.tables import audit_events, tokens
from indicate_mcp.db.tables import memberships as memberships_table
from indicate_mcp.errors import AuthenticationFailed, Conflict, InvalidInput, PermissionDenied


async def events(world: World, **where: Any) -> list[Any]:
    query = select(audit_events).order_by(audit_events.c.id)
    for column, value in where.items():
        query = query.where(audit_events.c[column] == value)
    async with world.db.read() as conn:
        return list((await conn.execute(query)).all())


# ---------------------------------------------------------------- account validation


@pytest.mark.parametrize(
    "email", ["olga@alpine.example", "OLGA@Alpine.Example", " Olga@alpine.example "]
)
async def test_duplicate_email_conflicts_and_names_the_existing_account(
    world: World, email: str
) -> None:
    before = await snapshot(world.db)
    with pytest.raises(Conflict) as caught:
        await accounts.create_member(
            world.db, OPERATOR, org_id=world.org.id, name="Second Olga", email=email
        )
    # The message names the account that already has the address, so the caller can use it.
    assert world.owner.id in caught.value.message
    assert "olga@alpine.example" in caught.value.message
    assert caught.value.field == "email"
    assert await snapshot(world.db) == before


async def test_same_email_is_fine_in_another_organisation(world: World) -> None:
    other = await accounts.create_member(
        world.db,
        OPERATOR,
        org_id=world.other_org.id,
        name="Olga Elsewhere",
        email="OLGA@alpine.example",
    )
    assert other.email == "olga@alpine.example"
    assert other.org_id == world.other_org.id


async def test_email_of_a_deleted_account_can_be_reused(world: World) -> None:
    await accounts.delete_account(world.db, OPERATOR, world.user.id)
    again = await accounts.create_member(
        world.db, OPERATOR, org_id=world.org.id, name="Ulla Again", email="ulla@alpine.example"
    )
    assert again.id != world.user.id


@pytest.mark.parametrize("name", ["", "   ", "x" * 129])
async def test_bad_names_are_refused_with_the_valid_range(world: World, name: str) -> None:
    before = await snapshot(world.db)
    with pytest.raises(InvalidInput) as caught:
        await accounts.create_member(
            world.db, OPERATOR, org_id=world.org.id, name=name, email="new@alpine.example"
        )
    assert "1 to 128" in caught.value.message
    assert caught.value.field == "name"
    with pytest.raises(InvalidInput) as caught:
        await accounts.create_service_account(world.db, OPERATOR, org_id=world.org.id, name=name)
    assert "1 to 128" in caught.value.message
    assert await snapshot(world.db) == before


async def test_name_of_exactly_128_characters_is_accepted(world: World) -> None:
    name = "n" * 128
    created = await accounts.create_service_account(
        world.db, OPERATOR, org_id=world.org.id, name=name
    )
    assert created.name == name
    assert created.kind == "service"
    assert created.email is None


@pytest.mark.parametrize("email", ["", "no-at-sign", "a@b", "two@@example.com", "sp ace@x.org"])
async def test_bad_email_is_refused(world: World, email: str) -> None:
    before = await snapshot(world.db)
    with pytest.raises(InvalidInput) as caught:
        await accounts.create_member(
            world.db, OPERATOR, org_id=world.org.id, name="Someone", email=email
        )
    assert caught.value.field == "email"
    assert "name@example.com" in caught.value.message
    assert await snapshot(world.db) == before


async def test_unknown_role_lists_the_valid_roles(world: World) -> None:
    before = await snapshot(world.db)
    svc = await accounts.create_service_account(world.db, OPERATOR, org_id=world.org.id, name="s")
    for call in (
        memberships.add_member(
            world.db, OPERATOR, space_id=world.lake.id, account_id=svc.id, role="superuser"
        ),
        memberships.change_role(
            world.db, OPERATOR, space_id=world.hotel.id, account_id=world.user.id, role="Owner"
        ),
    ):
        with pytest.raises(InvalidInput) as caught:
            await call
        assert "owner, admin, user, reader" in caught.value.message
        assert caught.value.field == "role"
    after = await snapshot(world.db)
    assert after["memberships"] == before["memberships"]


# ---------------------------------------------------------------- account deletion


async def test_delete_account_revokes_its_tokens_in_the_same_transaction(world: World) -> None:
    db = world.db
    single = await world.agent_token(world.admin, name="single")
    multi = await world.agent_token(world.admin, scope="multi", name="multi")
    api = await world.api_token(world.admin)
    already = await world.agent_token(world.admin, name="already revoked")
    await issuance.revoke_token(db, OPERATOR, already.token.id)
    others = await world.agent_token(world.user, name="not affected")
    resolver = Resolver(db)
    assert (await resolver.resolve(single.secret, "mcp")).account_id == world.admin.id

    summary = await accounts.delete_account(db, world.actor(world.owner), world.admin.id)

    active_ids = sorted([single.token.id, multi.token.id, api.token.id])
    assert summary["revoked_tokens"] == 3
    assert sorted(summary["revoked_token_ids"]) == active_ids  # type: ignore[call-overload]
    assert summary["removed_memberships"] == 2

    async with db.read() as conn:
        rows = {
            r.id: r
            for r in await conn.execute(select(tokens).where(tokens.c.account_id == world.admin.id))
        }
        account_row = (
            await conn.execute(select(accounts_table).where(accounts_table.c.id == world.admin.id))
        ).one()
        left = (
            await conn.execute(
                select(memberships_table).where(memberships_table.c.account_id == world.admin.id)
            )
        ).all()
        other_status = (
            await conn.execute(select(tokens.c.status).where(tokens.c.id == others.token.id))
        ).scalar_one()
    # Tokens still name the account: the row is kept (soft delete), nothing is orphaned.
    assert set(rows) == {*active_ids, already.token.id}
    assert {rows[t].status for t in active_ids} == {"revoked"}
    assert all(rows[t].revoked_at is not None for t in active_ids)
    # One timestamp: the same transaction revoked them all and deleted the account.
    assert {rows[t].revoked_at for t in active_ids} == {account_row.deleted_at}
    assert account_row.deleted_at is not None
    assert account_row.name == "Adam Admin"
    assert left == []
    assert other_status == "active"

    team = await events(world, action="account.deleted", outcome="success")
    assert len(team) == 1
    event = team[0]
    assert event.namespace == "Team"
    assert event.target_id == world.admin.id
    assert event.actor_id == world.owner.id
    assert event.after["revoked_tokens"] == 3
    assert sorted(event.after["revoked_token_ids"]) == active_ids
    assert event.before["roles"] == {world.hotel.id: "admin", world.lake.id: "reader"}

    revoked_events = await events(world, action="token.revoked", actor_id=world.owner.id)
    assert sorted(e.target_id for e in revoked_events) == active_ids
    assert {e.namespace for e in revoked_events} == {"API Tokens"}
    assert {e.space_id for e in revoked_events} == {world.hotel.id}
    assert all(world.admin.id in (e.detail or "") for e in revoked_events)

    for issued, surface in ((single, "mcp"), (multi, "mcp"), (api, "api")):
        with pytest.raises(AuthenticationFailed) as refused:
            await Resolver(db).resolve(issued.secret, surface)  # type: ignore[arg-type]
        assert refused.value.reason == "revoked"
    # The deleted account is gone from lookups but its tokens still show who held them.
    view = await issuance.get_token(db, OPERATOR, single.token.id)
    assert view.account_name == "Adam Admin"
    assert view.status == "revoked"
    live = await accounts.list_accounts(db, OPERATOR, world.org.id)
    assert world.admin.id not in {a.id for a in live}


async def test_deleting_the_only_owner_of_a_space_is_refused(world: World) -> None:
    await world.agent_token(world.owner, scope="multi")
    before = await snapshot(world.db)
    with pytest.raises(Conflict) as caught:
        await accounts.delete_account(world.db, OPERATOR, world.owner.id)
    assert "only owner" in caught.value.message
    assert await snapshot(world.db) == before
    assert await events(world, action="account.deleted") == []


async def test_deleting_one_of_two_owners_is_allowed(world: World) -> None:
    await memberships.change_role(
        world.db, OPERATOR, space_id=world.hotel.id, account_id=world.user.id, role="owner"
    )
    # user is now owner of hotel next to Olga; deleting user leaves Olga as owner.
    summary = await accounts.delete_account(world.db, OPERATOR, world.user.id)
    assert summary["removed_memberships"] == 1
    members = await memberships.list_members(world.db, OPERATOR, world.hotel.id)
    assert [m.account_id for m in members if m.role == "owner"] == [world.owner.id]


async def test_admin_cannot_delete_an_owner(world: World) -> None:
    """Removing an owner is reserved to owners; deleting the account must not be a way around
    that rule."""
    await memberships.change_role(
        world.db, OPERATOR, space_id=world.hotel.id, account_id=world.user.id, role="owner"
    )
    before = await snapshot(world.db)
    with pytest.raises(PermissionDenied):
        await accounts.delete_account(world.db, world.actor(world.admin), world.user.id)
    assert await snapshot(world.db) == before
    denied = await events(world, action="account.deleted", outcome="denied")
    assert [(e.actor_id, e.target_id) for e in denied] == [(world.admin.id, world.user.id)]


async def test_admin_cannot_delete_a_member_of_a_space_it_does_not_manage(world: World) -> None:
    # Olga (owner) is in lake, where Adam is only a reader.
    await memberships.add_member(
        world.db, OPERATOR, space_id=world.lake.id, account_id=world.user.id, role="user"
    )
    before = await snapshot(world.db)
    with pytest.raises(PermissionDenied) as caught:
        await accounts.delete_account(world.db, world.actor(world.admin), world.user.id)
    assert world.lake.id in caught.value.message
    assert await snapshot(world.db) == before


@pytest.mark.parametrize("who", ["user", "reader", "bot"])
async def test_user_and_reader_cannot_delete_accounts(world: World, who: str) -> None:
    before = await snapshot(world.db)
    with pytest.raises(PermissionDenied):
        await accounts.delete_account(world.db, world.actor(getattr(world, who)), world.reader.id)
    assert await snapshot(world.db) == before
    denied = await events(world, action="account.deleted", outcome="denied")
    assert len(denied) == 1
    assert denied[0].actor_id == getattr(world, who).id


# ---------------------------------------------------------------- owner rules


async def test_only_owners_grant_the_owner_role(world: World) -> None:
    db = world.db
    admin = world.actor(world.admin)
    svc = await accounts.create_service_account(db, OPERATOR, org_id=world.org.id, name="svc")
    before = await snapshot(db)
    refusals = [
        memberships.add_member(db, admin, space_id=world.hotel.id, account_id=svc.id, role="owner"),
        memberships.change_role(
            db, admin, space_id=world.hotel.id, account_id=world.user.id, role="owner"
        ),
        memberships.change_role(
            db, admin, space_id=world.hotel.id, account_id=world.owner.id, role="user"
        ),
        memberships.remove_member(db, admin, space_id=world.hotel.id, account_id=world.owner.id),
    ]
    for call in refusals:
        with pytest.raises(PermissionDenied) as caught:
            await call
        assert "only owners" in caught.value.message
    assert await snapshot(db) == before
    denied = await events(world, outcome="denied", actor_id=world.admin.id)
    assert [e.action for e in denied] == [
        "membership.added",
        "membership.role_changed",
        "membership.role_changed",
        "membership.removed",
    ]
    assert {e.namespace for e in denied} == {"Team"}
    assert {e.space_id for e in denied} == {world.hotel.id}
    assert all(e.detail and "owner" in e.detail for e in denied)

    # An owner may do each of these.
    owner = world.actor(world.owner)
    await memberships.add_member(
        db, owner, space_id=world.hotel.id, account_id=svc.id, role="owner"
    )
    await memberships.change_role(
        db, owner, space_id=world.hotel.id, account_id=world.user.id, role="owner"
    )
    await memberships.remove_member(db, owner, space_id=world.hotel.id, account_id=svc.id)
    roles = {
        m.account_id: m.role for m in await memberships.list_members(db, owner, world.hotel.id)
    }
    assert roles[world.user.id] == "owner"
    assert svc.id not in roles


async def test_admin_manages_non_owner_roles(world: World) -> None:
    admin = world.actor(world.admin)
    assert (
        await memberships.change_role(
            world.db, admin, space_id=world.hotel.id, account_id=world.reader.id, role="user"
        )
        == "user"
    )
    await memberships.remove_member(
        world.db, admin, space_id=world.hotel.id, account_id=world.reader.id
    )
    roles = {m.account_id for m in await memberships.list_members(world.db, admin, world.hotel.id)}
    assert world.reader.id not in roles


@pytest.mark.parametrize("actor_name", ["operator", "owner"])
async def test_the_last_owner_cannot_be_demoted_or_removed(world: World, actor_name: str) -> None:
    actor = OPERATOR if actor_name == "operator" else world.actor(world.owner)
    before = await snapshot(world.db)
    with pytest.raises(Conflict) as demote:
        await memberships.change_role(
            world.db, actor, space_id=world.hotel.id, account_id=world.owner.id, role="admin"
        )
    assert "only owner" in demote.value.message
    with pytest.raises(Conflict):
        await memberships.remove_member(
            world.db, actor, space_id=world.lake.id, account_id=world.owner.id
        )
    assert await snapshot(world.db) == before
    # With a second owner, the first may step down.
    await memberships.change_role(
        world.db, actor, space_id=world.hotel.id, account_id=world.admin.id, role="owner"
    )
    await memberships.change_role(
        world.db, actor, space_id=world.hotel.id, account_id=world.owner.id, role="admin"
    )
    owners = [
        m.account_id
        for m in await memberships.list_members(world.db, OPERATOR, world.hotel.id)
        if m.role == "owner"
    ]
    assert owners == [world.admin.id]


@pytest.mark.parametrize("who", ["user", "reader"])
async def test_user_and_reader_cannot_add_members_or_create_accounts(
    world: World, who: str
) -> None:
    db = world.db
    actor = world.actor(getattr(world, who))
    svc = await accounts.create_service_account(db, OPERATOR, org_id=world.org.id, name="svc")
    before = await snapshot(db)
    with pytest.raises(PermissionDenied):
        await memberships.add_member(
            db, actor, space_id=world.hotel.id, account_id=svc.id, role="reader"
        )
    with pytest.raises(PermissionDenied):
        await memberships.change_role(
            db, actor, space_id=world.hotel.id, account_id=world.bot.id, role="reader"
        )
    with pytest.raises(PermissionDenied):
        await memberships.remove_member(db, actor, space_id=world.hotel.id, account_id=world.bot.id)
    with pytest.raises(PermissionDenied):
        await accounts.create_member(
            db, actor, org_id=world.org.id, name="New", email="new@alpine.example"
        )
    with pytest.raises(PermissionDenied):
        await accounts.create_service_account(db, actor, org_id=world.org.id, name="New bot")
    assert await snapshot(db) == before
    denied = await events(world, outcome="denied", actor_id=actor.account_id)
    assert [e.action for e in denied] == [
        "membership.added",
        "membership.role_changed",
        "membership.removed",
        "account.created",
        "service_account.created",
    ]
    assert {e.namespace for e in denied} == {"Team"}
    assert {e.org_id for e in denied} == {world.org.id}


async def test_stranger_cannot_manage_this_organisations_accounts(world: World) -> None:
    before = await snapshot(world.db)
    with pytest.raises(PermissionDenied):
        await accounts.create_member(
            world.db,
            world.actor(world.stranger),
            org_id=world.org.id,
            name="Intruder",
            email="x@alpine.example",
        )
    with pytest.raises(PermissionDenied):
        await accounts.list_accounts(world.db, world.actor(world.stranger), world.org.id)
    assert await snapshot(world.db) == before


async def test_admin_can_create_accounts(world: World) -> None:
    created = await accounts.create_member(
        world.db,
        world.actor(world.admin),
        org_id=world.org.id,
        name="Nina New",
        email="Nina@Alpine.example",
    )
    assert created.email == "nina@alpine.example"
    found = await accounts.find_account(world.db, "NINA@alpine.example")
    assert found.id == created.id
    [event] = await events(world, action="account.created", target_id=created.id)
    assert event.outcome == "success"
    assert event.actor_id == world.admin.id
    assert event.after == {"name": "Nina New", "email": "nina@alpine.example", "kind": "member"}


async def test_member_of_another_organisation_cannot_be_added(world: World) -> None:
    before = await snapshot(world.db)
    with pytest.raises(InvalidInput) as caught:
        await memberships.add_member(
            world.db, OPERATOR, space_id=world.hotel.id, account_id=world.stranger.id, role="user"
        )
    assert caught.value.field == "account"
    assert "another organisation" in caught.value.message
    with pytest.raises(InvalidInput):
        await memberships.add_member(
            world.db,
            world.actor(world.owner),
            space_id=world.hotel.id,
            account_id=world.stranger.id,
            role="reader",
        )
    assert await snapshot(world.db) == before


async def test_adding_an_existing_member_twice_conflicts(world: World) -> None:
    before = await snapshot(world.db)
    with pytest.raises(Conflict) as caught:
        await memberships.add_member(
            world.db, OPERATOR, space_id=world.hotel.id, account_id=world.user.id, role="reader"
        )
    assert "already a member" in caught.value.message
    assert await snapshot(world.db) == before


async def test_membership_changes_are_audited_with_before_and_after(world: World) -> None:
    owner = world.actor(world.owner)
    await memberships.change_role(
        world.db, owner, space_id=world.hotel.id, account_id=world.reader.id, role="admin"
    )
    await memberships.remove_member(
        world.db, owner, space_id=world.hotel.id, account_id=world.reader.id
    )
    changed = await events(world, target_id=world.reader.id, actor_id=world.owner.id)
    assert [(e.action, e.before, e.after, e.space_id, e.namespace) for e in changed] == [
        ("membership.role_changed", {"role": "reader"}, {"role": "admin"}, world.hotel.id, "Team"),
        ("membership.removed", {"role": "admin"}, None, world.hotel.id, "Team"),
    ]


# ---------------------------------------------------------------- spaces


async def test_rename_space_keeps_its_id_and_is_audited_under_spaces(world: World) -> None:
    new_name = "R" * 128
    renamed = await spaces.rename_space(
        world.db, world.actor(world.admin), world.hotel.id, new_name
    )
    assert renamed.id == world.hotel.id
    assert renamed.name == new_name
    fetched = await spaces.get_space(world.db, world.hotel.id)
    assert (fetched.id, fetched.name, fetched.created_at) == (
        world.hotel.id,
        new_name,
        world.hotel.created_at,
    )
    # Tokens and memberships still point at the same space.
    members = await memberships.list_members(world.db, OPERATOR, world.hotel.id)
    assert len(members) == 5
    [event] = await events(world, action="space.renamed")
    assert event.namespace == "Spaces"
    assert event.outcome == "success"
    assert event.space_id == world.hotel.id
    assert event.target_id == world.hotel.id
    assert event.before == {"name": "Mountain Resort"}
    assert event.after == {"name": new_name}
    await spaces.rename_space(world.db, world.actor(world.owner), world.hotel.id, "  Trimmed  ")
    assert (await spaces.get_space(world.db, world.hotel.id)).name == "Trimmed"


@pytest.mark.parametrize("name", ["x" * 129, "", "  "])
async def test_rename_space_refuses_bad_names(world: World, name: str) -> None:
    before = await snapshot(world.db)
    with pytest.raises(InvalidInput) as caught:
        await spaces.rename_space(world.db, world.actor(world.owner), world.hotel.id, name)
    assert "1 to 128" in caught.value.message
    assert await snapshot(world.db) == before


@pytest.mark.parametrize("who", ["user", "reader", "bot", "stranger"])
async def test_only_owner_or_admin_renames_a_space(world: World, who: str) -> None:
    actor = world.actor(getattr(world, who))
    before = await snapshot(world.db)
    with pytest.raises(PermissionDenied):
        await spaces.rename_space(world.db, actor, world.hotel.id, "Hijacked")
    # Adam is only a reader in lake.
    with pytest.raises(PermissionDenied):
        await spaces.rename_space(world.db, world.actor(world.admin), world.lake.id, "Hijacked")
    assert await snapshot(world.db) == before
    denied = await events(world, action="space.renamed", outcome="denied")
    assert [(e.namespace, e.actor_id, e.space_id) for e in denied] == [
        ("Spaces", actor.account_id, world.hotel.id),
        ("Spaces", world.admin.id, world.lake.id),
    ]


async def test_only_owners_create_spaces_and_become_their_owner(world: World) -> None:
    with pytest.raises(PermissionDenied):
        await spaces.create_space(world.db, world.actor(world.admin), org_id=world.org.id, name="X")
    created = await spaces.create_space(
        world.db, world.actor(world.owner), org_id=world.org.id, name="New Hotel"
    )
    members = await memberships.list_members(world.db, OPERATOR, created.id)
    assert [(m.account_id, m.role) for m in members] == [(world.owner.id, "owner")]
    [event] = await events(world, action="space.created", space_id=created.id)
    assert (event.namespace, event.outcome, event.after) == (
        "Spaces",
        "success",
        {"name": "New Hotel"},
    )


async def test_a_service_account_and_its_membership_are_created_together(world: World) -> None:
    from indicate_mcp.authority.memberships import create_service_account_in_space

    admin = world.actor(world.admin)
    member = await create_service_account_in_space(
        world.db, admin, space_id=world.hotel.id, name="Looker sync", role="reader"
    )
    assert (member.kind, member.role, member.space_id) == ("service", "reader", world.hotel.id)
    # The second half is refused (only owners grant owner): the first half must not remain.
    before = await snapshot(world.db)
    with pytest.raises(PermissionDenied):
        await create_service_account_in_space(
            world.db, admin, space_id=world.hotel.id, name="Orphan?", role="owner"
        )
    assert await snapshot(world.db) == before
