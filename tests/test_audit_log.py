"""The audit log: one success event per change, denied attempts, filters, visibility, export
and retention."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from authority_world import OPERATOR, World
from indicate_mcp.authority import (
    accounts,
    audit,
    issuance,
    memberships,
    organisations,
    spaces,
)
from indicate_mcp.authority.audit import AuditFilter
from indicate_mcp.authority.model import Actor
from indicate_mcp.authority.resolver import Resolver
from indicate_mcp.db import Database
from indicate_mcp.db.tables import audit_events
from indicate_mcp.errors import AuthenticationFailed, InvalidInput, PermissionDenied


async def last_id(db: Database) -> int:
    async with db.read() as conn:
        rows = (await conn.execute(select(audit_events.c.id))).scalars().all()
    return max(rows, default=0)


async def since_marker(db: Database, marker: int) -> list[Any]:
    async with db.read() as conn:
        return list(
            (
                await conn.execute(
                    select(audit_events)
                    .where(audit_events.c.id > marker)
                    .order_by(audit_events.c.id)
                )
            ).all()
        )


async def all_events(db: Database) -> list[Any]:
    return await since_marker(db, 0)


def shape(e: Any) -> dict[str, Any]:
    return {
        "namespace": e.namespace,
        "action": e.action,
        "outcome": e.outcome,
        "actor_type": e.actor_type,
        "actor_id": e.actor_id,
        "actor_name": e.actor_name,
        "channel": e.channel,
        "target_type": e.target_type,
        "target_id": e.target_id,
        "space_id": e.space_id,
        "org_id": e.org_id,
        "before": e.before,
        "after": e.after,
    }


# ---------------------------------------------------------------- one event per change


async def test_every_lifecycle_action_lands_exactly_one_success_event(world: World) -> None:
    db = world.db
    olga = world.actor(world.owner, "console")
    org_id = world.org.id

    async def one(action: Any) -> tuple[Any, Any]:
        marker = await last_id(db)
        result = await action
        new = await since_marker(db, marker)
        assert len(new) == 1, [(e.action, e.outcome) for e in new]
        assert new[0].outcome == "success"
        assert new[0].at is not None and new[0].at.tzinfo is not None
        return result, new[0]

    actor_fields = {
        "actor_type": "account",
        "actor_id": world.owner.id,
        "actor_name": "Olga Owner",
        "channel": "console",
        "org_id": org_id,
        "outcome": "success",
    }

    issued, e = await one(
        issuance.create_token(
            db,
            olga,
            space_id=world.hotel.id,
            name="Marketing n8n",
            account_id=world.user.id,
            acknowledge_billing=True,
        )
    )
    tid = issued.token.id
    assert shape(e) | {"after": None} == actor_fields | {
        "namespace": "API Tokens",
        "action": "token.created",
        "target_type": "token",
        "target_id": tid,
        "space_id": world.hotel.id,
        "before": None,
        "after": None,
    }
    assert e.token_id is None
    assert e.after["name"] == "Marketing n8n"
    assert e.after["status"] == "active"
    assert e.after["scope"] == "single"
    assert e.after["kind"] == "agent"
    assert e.after["account_id"] == world.user.id
    assert "masked" not in e.after and "created_by" not in e.after

    _, e = await one(issuance.edit_token(db, olga, tid, name="Marketing Make"))
    assert (e.namespace, e.action, e.target_id, e.space_id) == (
        "API Tokens",
        "token.updated",
        tid,
        world.hotel.id,
    )
    assert (e.before, e.after) == ({"name": "Marketing n8n"}, {"name": "Marketing Make"})

    _, e = await one(issuance.edit_token(db, olga, tid, account_id=world.bot.id))
    assert (e.before, e.after) == ({"account_id": world.user.id}, {"account_id": world.bot.id})

    regenerated, e = await one(issuance.regenerate_token(db, olga, tid))
    new_id = regenerated.token.id
    assert (e.action, e.target_id, e.space_id, e.channel) == (
        "token.regenerated",
        tid,
        world.hotel.id,
        "console",
    )
    assert e.before == {"id": tid, "status": "active"}
    assert e.after == {"id": new_id, "status": "active", "old_status": "regenerated"}

    _, e = await one(issuance.revoke_token(db, olga, new_id))
    assert (e.namespace, e.action, e.target_id, e.space_id, e.detail) == (
        "API Tokens",
        "token.revoked",
        new_id,
        world.hotel.id,
        None,
    )
    assert (e.before, e.after) == ({"status": "active"}, {"status": "revoked"})

    svc = await accounts.create_service_account(db, olga, org_id=org_id, name="Zapier")
    _, e = await one(
        memberships.add_member(db, olga, space_id=world.lake.id, account_id=svc.id, role="user")
    )
    assert shape(e) == actor_fields | {
        "namespace": "Team",
        "action": "membership.added",
        "target_type": "membership",
        "target_id": svc.id,
        "space_id": world.lake.id,
        "before": None,
        "after": {"role": "user"},
    }
    _, e = await one(
        memberships.change_role(db, olga, space_id=world.lake.id, account_id=svc.id, role="admin")
    )
    assert (e.action, e.before, e.after) == (
        "membership.role_changed",
        {"role": "user"},
        {"role": "admin"},
    )
    _, e = await one(memberships.remove_member(db, olga, space_id=world.lake.id, account_id=svc.id))
    assert (e.action, e.before, e.after, e.space_id) == (
        "membership.removed",
        {"role": "admin"},
        None,
        world.lake.id,
    )

    _, e = await one(spaces.rename_space(db, olga, world.lake.id, "Lakeside"))
    assert shape(e) == actor_fields | {
        "namespace": "Spaces",
        "action": "space.renamed",
        "target_type": "space",
        "target_id": world.lake.id,
        "space_id": world.lake.id,
        "before": {"name": "Lake Hotel"},
        "after": {"name": "Lakeside"},
    }

    _, e = await one(organisations.set_plan(db, OPERATOR, org_id, "pro"))
    assert shape(e) == {
        "namespace": "Organisation",
        "action": "organisation.plan_changed",
        "outcome": "success",
        "actor_type": "operator",
        "actor_id": None,
        "actor_name": "local operator",
        "channel": "cli",
        "target_type": "organisation",
        "target_id": org_id,
        "space_id": None,
        "org_id": org_id,
        "before": {"plan": "enterprise"},
        "after": {"plan": "pro"},
    }

    # Deleting an account: one Team event plus one token.revoked per active token.
    t1 = await world.agent_token(world.reader, name="r1")
    t2 = await world.agent_token(world.reader, name="r2")
    marker = await last_id(db)
    await accounts.delete_account(db, olga, world.reader.id)
    new = await since_marker(db, marker)
    assert [(x.namespace, x.action, x.outcome) for x in new] == [
        ("API Tokens", "token.revoked", "success"),
        ("API Tokens", "token.revoked", "success"),
        ("Team", "account.deleted", "success"),
    ]
    assert {x.target_id for x in new[:2]} == {t1.token.id, t2.token.id}
    assert {x.space_id for x in new[:2]} == {world.hotel.id}
    assert new[2].target_id == world.reader.id
    assert new[2].after["revoked_tokens"] == 2


async def test_actions_through_a_token_record_the_token_and_channel(world: World) -> None:
    issued = await world.agent_token(world.owner, scope="multi")
    caller = await Resolver(world.db).resolve(issued.secret, "mcp")
    actor = Actor.for_caller(caller, "mcp", client_ip="203.0.113.9", user_agent="claude/1.0")
    marker = await last_id(world.db)
    await spaces.rename_space(world.db, actor, world.hotel.id, "Via MCP")
    [e] = await since_marker(world.db, marker)
    assert (e.channel, e.token_id, e.actor_id, e.client_ip, e.user_agent) == (
        "mcp",
        issued.token.id,
        world.owner.id,
        "203.0.113.9",
        "claude/1.0",
    )


async def test_refused_attempts_are_recorded_as_denied(world: World) -> None:
    db = world.db
    target = await world.agent_token(world.user)
    rita = world.actor(world.reader)
    marker = await last_id(db)
    attempts = [
        issuance.create_token(
            db, rita, space_id=world.hotel.id, name="mine", acknowledge_billing=True
        ),
        issuance.edit_token(db, rita, target.token.id, name="x"),
        issuance.regenerate_token(db, rita, target.token.id),
        issuance.revoke_token(db, rita, target.token.id),
        spaces.rename_space(db, rita, world.hotel.id, "x"),
        memberships.remove_member(db, rita, space_id=world.hotel.id, account_id=world.bot.id),
        accounts.delete_account(db, rita, world.bot.id),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            await attempt
    new = await since_marker(db, marker)
    assert [(e.namespace, e.action, e.outcome) for e in new] == [
        ("API Tokens", "token.created", "denied"),
        ("API Tokens", "token.updated", "denied"),
        ("API Tokens", "token.regenerated", "denied"),
        ("API Tokens", "token.revoked", "denied"),
        ("Spaces", "space.renamed", "denied"),
        ("Team", "membership.removed", "denied"),
        ("Team", "account.deleted", "denied"),
    ]
    assert {e.actor_id for e in new} == {world.reader.id}
    assert all(e.detail for e in new)
    assert all(e.before is None and e.after is None for e in new)
    assert [e.target_id for e in new[1:4]] == [target.token.id] * 3
    assert {e.org_id for e in new} == {world.org.id}
    # Nothing was changed by any of them.
    view = await issuance.get_token(db, OPERATOR, target.token.id)
    assert (view.status, view.name) == ("active", "t")


async def test_refused_credentials_are_recorded_as_refused(world: World) -> None:
    issued = await world.agent_token(world.user)
    await issuance.revoke_token(world.db, OPERATOR, issued.token.id)
    marker = await last_id(world.db)
    resolver = Resolver(world.db)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            await resolver.resolve(issued.secret, "mcp", client_ip="198.51.100.1")
    new = await since_marker(world.db, marker)
    # At most once a minute per token and reason.
    assert [
        (e.action, e.outcome, e.detail, e.target_id, e.actor_type, e.client_ip) for e in new
    ] == [("token.refused", "refused", "revoked", issued.token.id, "anonymous", "198.51.100.1")]


# ---------------------------------------------------------------- filters and visibility


async def busy_world(world: World) -> dict[str, Any]:
    """Some traffic in both spaces, by several actors."""
    db = world.db
    olga, adam = world.actor(world.owner), world.actor(world.admin)
    a = await issuance.create_token(
        db, adam, space_id=world.hotel.id, name="adam's", acknowledge_billing=True
    )
    b = await issuance.create_token(
        db, olga, space_id=world.lake.id, name="olga's", acknowledge_billing=True
    )
    await issuance.revoke_token(db, adam, a.token.id)
    await spaces.rename_space(db, olga, world.lake.id, "Lakeside")
    with pytest.raises(PermissionDenied):
        await spaces.rename_space(db, adam, world.lake.id, "Adam's lake")
    await memberships.change_role(
        db, adam, space_id=world.hotel.id, account_id=world.reader.id, role="user"
    )
    return {"a": a.token.id, "b": b.token.id}


async def listed(world: World, actor: Actor = OPERATOR, **filters: Any) -> list[dict[str, Any]]:
    return await audit.list_events(world.db, actor, AuditFilter(**filters), limit=1000)


async def test_filters(world: World) -> None:
    ids = await busy_world(world)
    everything = await listed(world)
    # Newest first.
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    assert len(everything) == len(await all_events(world.db))

    spaces_ns = await listed(world, namespace="Spaces")
    assert spaces_ns and {e["namespace"] for e in spaces_ns} == {"Spaces"}
    assert len(spaces_ns) == 5  # 3 spaces created by build_world, one rename, one denied rename

    revoked = await listed(world, action="token.revoked")
    assert [e["target_id"] for e in revoked] == [ids["a"]]

    by_adam = await listed(world, actor_id=world.admin.id)
    assert [e["action"] for e in by_adam] == [
        "membership.role_changed",
        "space.renamed",
        "token.revoked",
        "token.created",
    ]

    on_b = await listed(world, target_id=ids["b"])
    assert [(e["action"], e["actor_id"]) for e in on_b] == [("token.created", world.owner.id)]

    in_lake = await listed(world, space_id=world.lake.id)
    assert {e["space_id"] for e in in_lake} == {world.lake.id}
    assert {e["action"] for e in in_lake} >= {
        "space.created",
        "membership.added",
        "token.created",
        "space.renamed",
    }

    denied = await listed(world, outcome="denied")
    assert [(e["action"], e["actor_id"], e["space_id"]) for e in denied] == [
        ("space.renamed", world.admin.id, world.lake.id)
    ]

    combined = await listed(world, namespace="API Tokens", actor_id=world.owner.id)
    assert [e["target_id"] for e in combined] == [ids["b"]]
    assert await listed(world, org_id=world.other_org.id, namespace="API Tokens") == []

    # since is inclusive, until exclusive.
    all_ids = sorted(e["id"] for e in everything)
    old, t1, t2, t3 = (
        datetime(2025, 1, 1, tzinfo=UTC),
        datetime(2025, 3, 1, 12, tzinfo=UTC),
        datetime(2025, 3, 2, 12, tzinfo=UTC),
        datetime(2025, 3, 3, 12, tzinfo=UTC),
    )
    async with world.db.write() as conn:
        await conn.execute(update(audit_events).values(at=old))
        for event_id, at in zip(all_ids[-3:], (t1, t2, t3), strict=True):
            await conn.execute(
                update(audit_events).where(audit_events.c.id == event_id).values(at=at)
            )
    assert [e["id"] for e in await listed(world, since=t2)] == all_ids[-1:-3:-1]
    assert [e["id"] for e in await listed(world, until=t2)] == sorted(all_ids[:-2], reverse=True)
    assert [e["id"] for e in await listed(world, since=t1, until=t3)] == [
        all_ids[-2],
        all_ids[-3],
    ]
    assert await listed(world, since=t3 + timedelta(seconds=1)) == []


async def test_bad_filters_say_what_is_valid(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        await listed(world, namespace="Tokens")
    assert "API Tokens, Team, Spaces, Organisation" in caught.value.message
    for limit in (0, 1001):
        with pytest.raises(InvalidInput) as caught:
            await audit.list_events(world.db, OPERATOR, AuditFilter(), limit=limit)
        assert "1 and 1000" in caught.value.message
    assert len(await audit.list_events(world.db, OPERATOR, AuditFilter(), limit=2)) == 2


async def test_an_account_sees_only_the_spaces_it_manages(world: World) -> None:
    await busy_world(world)
    adam_sees = await listed(world, world.actor(world.admin))
    assert adam_sees
    assert {e["space_id"] for e in adam_sees} == {world.hotel.id}  # reader of lake: not shown
    # Owners also see their organisation's events that belong to no space (accounts, plan).
    olga_sees = await listed(world, world.actor(world.owner))
    assert {e["space_id"] for e in olga_sees} == {world.hotel.id, world.lake.id, None}
    assert {e["org_id"] for e in olga_sees if e["space_id"] is None} == {world.org.id}
    assert {"account.created", "service_account.created"} <= {e["action"] for e in olga_sees}
    sven_sees = await listed(world, world.actor(world.stranger))
    assert {e["space_id"] for e in sven_sees} - {None} == {world.outsider_space.id}
    assert {e["org_id"] for e in sven_sees} == {world.other_org.id}
    # A filter cannot widen what an account sees.
    assert await listed(world, world.actor(world.admin), space_id=world.lake.id) == []
    assert await listed(world, world.actor(world.stranger), org_id=world.org.id) == []

    # Through a single-space token, an owner sees only that space.
    issued = await world.agent_token(world.owner, space=world.lake)
    caller = await Resolver(world.db).resolve(issued.secret, "mcp")
    via_token = await listed(world, Actor.for_caller(caller, "mcp"))
    assert {e["space_id"] for e in via_token} == {world.lake.id, None}


@pytest.mark.parametrize("who", ["user", "reader", "bot"])
async def test_users_and_readers_cannot_read_the_audit_log(world: World, who: str) -> None:
    actor = world.actor(getattr(world, who))
    with pytest.raises(PermissionDenied):
        await listed(world, actor)
    with pytest.raises(PermissionDenied):
        async for _ in audit.export_events(world.db, actor, AuditFilter()):
            pass


# ---------------------------------------------------------------- export


async def test_export_is_json_lines_oldest_first(world: World) -> None:
    await busy_world(world)
    lines = [line async for line in audit.export_events(world.db, OPERATOR, AuditFilter())]
    stored = await all_events(world.db)
    assert len(lines) == len(stored)
    parsed = [json.loads(line) for line in lines]
    assert all("\n" not in line for line in lines)
    assert [p["id"] for p in parsed] == [e.id for e in stored]
    times = [datetime.fromisoformat(p["at"]) for p in parsed]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)
    renamed = next(
        p for p in parsed if p["action"] == "space.renamed" and p["outcome"] == "success"
    )
    assert renamed["before"] == {"name": "Lake Hotel"}
    assert renamed["after"] == {"name": "Lakeside"}
    assert set(parsed[0]) == set(audit_events.c.keys())

    adam_lines = [
        json.loads(line)
        async for line in audit.export_events(
            world.db, world.actor(world.admin), AuditFilter(namespace="API Tokens")
        )
    ]
    assert [p["action"] for p in adam_lines] == ["token.created", "token.revoked"]
    assert {p["space_id"] for p in adam_lines} == {world.hotel.id}


# ---------------------------------------------------------------- retention


async def test_purge_keeps_each_plan_for_its_retention(db: Database) -> None:
    now = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
    orgs = {
        plan: await organisations.create_organisation(db, OPERATOR, name=f"{plan} org", plan=plan)
        for plan in ("core", "pro", "enterprise")
    }
    retention = {"core": 2, "pro": 50, "enterprise": 500}
    ages = {
        "fresh": timedelta(hours=1),
        "just_inside": None,  # retention - 1 minute
        "just_outside": None,  # retention + 1 minute
        "three_days": timedelta(days=3),
        "ancient": timedelta(days=900),
    }
    expected_gone: dict[str, set[str]] = {}
    rows = []
    for plan, org in orgs.items():
        keep = timedelta(days=retention[plan])
        expected_gone[org.id] = set()
        for label, age in ages.items():
            if label == "just_inside":
                age = keep - timedelta(minutes=1)
            elif label == "just_outside":
                age = keep + timedelta(minutes=1)
            assert age is not None
            tag = f"{plan}:{label}"
            rows.append(
                {
                    "at": now - age,
                    "org_id": org.id,
                    "namespace": "Team",
                    "action": "test.backdated",
                    "outcome": "success",
                    "actor_type": "operator",
                    "channel": "cli",
                    "detail": tag,
                }
            )
            if age > keep:
                expected_gone[org.id].add(tag)
    # Computed by hand: core loses just_outside, three_days, ancient; pro and enterprise lose
    # just_outside and ancient (3 days is well inside 50 and 500).
    assert sorted(t.split(":")[1] for t in expected_gone[orgs["core"].id]) == [
        "ancient",
        "just_outside",
        "three_days",
    ]
    assert sorted(t.split(":")[1] for t in expected_gone[orgs["pro"].id]) == [
        "ancient",
        "just_outside",
    ]
    async with db.write() as conn:
        await conn.execute(insert(audit_events), rows)

    async def tags() -> set[str]:
        async with db.read() as conn:
            return set(
                (
                    await conn.execute(
                        select(audit_events.c.detail).where(
                            audit_events.c.action == "test.backdated"
                        )
                    )
                )
                .scalars()
                .all()
            )

    everything = await tags()
    assert len(everything) == 15
    counted = await audit.purge(db, now=now, dry_run=True)
    assert counted == {org_id: len(tags) for org_id, tags in expected_gone.items()}
    assert counted == {orgs["core"].id: 3, orgs["pro"].id: 2, orgs["enterprise"].id: 2}
    assert await tags() == everything  # dry run deletes nothing

    removed = await audit.purge(db, now=now)
    assert removed == counted
    gone = set().union(*expected_gone.values())
    assert await tags() == everything - gone
    # The organisation.created events (made "now" in real time) are untouched.
    async with db.read() as conn:
        created = (
            await conn.execute(
                select(audit_events.c.id).where(audit_events.c.action == "organisation.created")
            )
        ).all()
    assert len(created) == 3
    assert await audit.purge(db, now=now) == {org.id: 0 for org in orgs.values()}


# ---------------------------------------------------------------- no secrets


async def test_the_audit_log_never_contains_a_secret(world: World) -> None:
    db = world.db
    secrets: list[str] = []
    olga = world.actor(world.owner)
    for scope in ("single", "multi"):
        issued = await issuance.create_token(
            db,
            olga,
            space_id=world.hotel.id,
            name=f"n {scope}",
            scope=scope,
            acknowledge_billing=True,
        )
        secrets.append(issued.secret)
        again = await issuance.regenerate_token(db, olga, issued.token.id)
        secrets.append(again.secret)
        await issuance.revoke_token(db, olga, again.token.id)
    api = await world.api_token(world.admin)
    secrets.append(api.secret)
    resolver = Resolver(db)
    for secret in secrets[:-1]:
        with pytest.raises(AuthenticationFailed):
            await resolver.resolve(secret, "mcp")
    with pytest.raises(AuthenticationFailed):
        await resolver.resolve(api.secret, "mcp")  # wrong kind: refused and audited
    await accounts.delete_account(db, olga, world.admin.id)
    dumped = [json.dumps(dict(e._mapping), default=str) for e in await all_events(db)]
    exported = [line async for line in audit.export_events(db, OPERATOR, AuditFilter())]
    assert any(e for e in dumped if '"token.refused"' in e)
    for text in (*dumped, *exported):
        for secret in secrets:
            assert secret not in text
            body = secret.rsplit("_", 1)[1][:32]
            assert body not in text
