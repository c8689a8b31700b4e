"""Organisations, spaces, accounts and memberships."""

from __future__ import annotations

from typing import Annotated

import typer

from indicate_mcp.authority import accounts as accounts_service
from indicate_mcp.authority import memberships, organisations, spaces
from indicate_mcp.authority.model import Actor
from indicate_mcp.cli.common import (
    AsOpt,
    DatabaseOpt,
    JsonOpt,
    account_id_for,
    actor_for,
    out,
    print_json,
    run,
    table,
)
from indicate_mcp.db import Database
from indicate_mcp.errors import InvalidInput, NotFound

orgs_app = typer.Typer(help="Organisations and their plan.", no_args_is_help=True)
spaces_app = typer.Typer(help="Spaces: one per hotel, brand or client.", no_args_is_help=True)
accounts_app = typer.Typer(help="Member users and service accounts.", no_args_is_help=True)
members_app = typer.Typer(help="Who belongs to a space, with which role.", no_args_is_help=True)

OrgOpt = Annotated[
    str | None,
    typer.Option("--org", help="Organisation ID (default: the only one, or your own)."),
]


def register(app: typer.Typer) -> None:
    app.add_typer(orgs_app, name="orgs")
    app.add_typer(spaces_app, name="spaces")
    app.add_typer(accounts_app, name="accounts")
    app.add_typer(members_app, name="members")


async def resolve_org(db: Database, actor: Actor, org: str | None) -> str:
    if org is not None:
        return (await organisations.get_organisation(db, org)).id
    if actor.org_id is not None:
        return actor.org_id
    known = await organisations.list_organisations(db)
    if not known:
        raise NotFound("there is no organisation yet; create one with `indicate-mcp init`")
    if len(known) > 1:
        raise InvalidInput(
            "several organisations exist; choose one with --org: "
            + ", ".join(f"{o.id} ({o.name})" for o in known),
            field="org",
        )
    return known[0].id


@orgs_app.command("list")
def orgs_list(json_out: JsonOpt = False, database: DatabaseOpt = None) -> None:
    """List organisations."""
    found = run(database, organisations.list_organisations)
    if json_out:
        print_json(found)
    else:
        table(
            None,
            ["ID", "Name", "Plan", "Created"],
            [[o.id, o.name, o.plan, o.created_at] for o in found],
        )


@orgs_app.command("set-plan")
def orgs_set_plan(
    org: Annotated[str, typer.Argument(help="Organisation ID.")],
    plan: Annotated[str, typer.Argument(help="core, pro or enterprise.")],
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
) -> None:
    """Change the plan. Leaving Enterprise stops API tokens at their next request."""
    changed = run(database, lambda db: organisations.set_plan(db, Actor.operator(), org, plan))
    if json_out:
        print_json(changed)
    else:
        out.print(f"{changed.name} is now on the {changed.plan} plan.")


@spaces_app.command("list")
def spaces_list(
    org: OrgOpt = None,
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """List spaces (yours, with --as)."""

    async def work(db: Database) -> list[spaces.Space]:
        return await spaces.list_spaces(db, await actor_for(db, as_account), org)

    found = run(database, work)
    if json_out:
        print_json(found)
    else:
        table(
            None,
            ["Space ID", "Name", "Organisation", "Created"],
            [[s.id, s.name, s.org_id, s.created_at] for s in found],
        )


@spaces_app.command("create")
def spaces_create(
    name: Annotated[str, typer.Argument(help="Up to 128 characters.")],
    org: OrgOpt = None,
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Create a space."""

    async def work(db: Database) -> spaces.Space:
        actor = await actor_for(db, as_account)
        return await spaces.create_space(
            db, actor, org_id=await resolve_org(db, actor, org), name=name
        )

    space = run(database, work)
    if json_out:
        print_json(space)
    else:
        out.print(f"Created space {space.name} with Space ID {space.id}.")


@spaces_app.command("rename")
def spaces_rename(
    space_id: Annotated[str, typer.Argument(help="Space ID.")],
    name: Annotated[str, typer.Argument(help="New name, up to 128 characters.")],
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Rename a space; its ID never changes."""

    async def work(db: Database) -> spaces.Space:
        return await spaces.rename_space(db, await actor_for(db, as_account), space_id, name)

    space = run(database, work)
    if json_out:
        print_json(space)
    else:
        out.print(f"Space {space.id} is now called {space.name}.")


@accounts_app.command("list")
def accounts_list(
    org: OrgOpt = None,
    kind: Annotated[str | None, typer.Option(help="member or service.")] = None,
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """List live accounts with their roles."""

    async def work(db: Database) -> list[accounts_service.Account]:
        actor = await actor_for(db, as_account)
        return await accounts_service.list_accounts(
            db, actor, await resolve_org(db, actor, org), kind=kind
        )

    found = run(database, work)
    if json_out:
        print_json(found)
        return
    table(
        None,
        ["Account ID", "Name", "Kind", "E-mail", "Roles"],
        [
            [a.id, a.name, a.kind, a.email, ", ".join(f"{r} in {s}" for s, r in a.roles.items())]
            for a in found
        ],
    )


@accounts_app.command("create")
def accounts_create(
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    email: Annotated[str | None, typer.Option(help="E-mail of a member user.")] = None,
    service: Annotated[bool, typer.Option("--service", help="Create a service account.")] = False,
    org: OrgOpt = None,
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Create a member user (--email) or a service account (--service)."""
    if service == (email is not None):
        raise typer.BadParameter("give either --email (member user) or --service (service account)")

    async def work(db: Database) -> accounts_service.Account:
        actor = await actor_for(db, as_account)
        org_id = await resolve_org(db, actor, org)
        if service:
            return await accounts_service.create_service_account(
                db, actor, org_id=org_id, name=name
            )
        assert email is not None
        return await accounts_service.create_member(
            db, actor, org_id=org_id, name=name, email=email
        )

    account = run(database, work)
    if json_out:
        print_json(account)
    else:
        out.print(f"Created {account.kind} account {account.name} ({account.id}).")


@accounts_app.command("delete")
def accounts_delete(
    account: Annotated[str, typer.Argument(help="Account ID or e-mail.")],
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Delete an account; every token it holds is revoked in the same step."""

    async def work(db: Database) -> dict[str, object]:
        actor = await actor_for(db, as_account)
        return await accounts_service.delete_account(
            db, actor, await account_id_for(db, actor, account)
        )

    summary = run(database, work)
    if json_out:
        print_json(summary)
    else:
        out.print(f"Deleted {summary['account_id']}; revoked {summary['revoked_tokens']} token(s).")


@members_app.command("list")
def members_list(
    space_id: Annotated[str, typer.Argument(help="Space ID.")],
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """List the members of a space."""

    async def work(db: Database) -> list[memberships.Member]:
        return await memberships.list_members(db, await actor_for(db, as_account), space_id)

    found = run(database, work)
    if json_out:
        print_json(found)
    else:
        table(
            None,
            ["Account ID", "Name", "Kind", "E-mail", "Role"],
            [[m.account_id, m.name, m.kind, m.email, m.role] for m in found],
        )


@members_app.command("add")
def members_add(
    space_id: Annotated[str, typer.Argument(help="Space ID.")],
    account: Annotated[str, typer.Argument(help="Account ID or e-mail.")],
    role: Annotated[str, typer.Option(help="owner, admin, user or reader.")] = "user",
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Add an account to a space with a role."""

    async def work(db: Database) -> memberships.Member:
        actor = await actor_for(db, as_account)
        account_id = await account_id_for(db, actor, account)
        return await memberships.add_member(
            db, actor, space_id=space_id, account_id=account_id, role=role
        )

    member = run(database, work)
    if json_out:
        print_json(member)
    else:
        out.print(f"{member.name} is now {member.role} in {member.space_id}.")


@members_app.command("set-role")
def members_set_role(
    space_id: Annotated[str, typer.Argument(help="Space ID.")],
    account: Annotated[str, typer.Argument(help="Account ID or e-mail.")],
    role: Annotated[str, typer.Argument(help="owner, admin, user or reader.")],
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Change a member's role."""

    async def work(db: Database) -> str:
        actor = await actor_for(db, as_account)
        account_id = await account_id_for(db, actor, account)
        return await memberships.change_role(
            db, actor, space_id=space_id, account_id=account_id, role=role
        )

    new_role = run(database, work)
    if json_out:
        print_json({"space_id": space_id, "account": account, "role": new_role})
    else:
        out.print(f"{account} is now {new_role} in {space_id}.")


@members_app.command("remove")
def members_remove(
    space_id: Annotated[str, typer.Argument(help="Space ID.")],
    account: Annotated[str, typer.Argument(help="Account ID or e-mail.")],
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Remove an account from a space; its tokens stop reaching the space at once."""

    async def work(db: Database) -> None:
        actor = await actor_for(db, as_account)
        account_id = await account_id_for(db, actor, account)
        await memberships.remove_member(db, actor, space_id=space_id, account_id=account_id)

    run(database, work)
    if json_out:
        print_json({"space_id": space_id, "account": account, "removed": True})
    else:
        out.print(f"Removed {account} from {space_id}.")
