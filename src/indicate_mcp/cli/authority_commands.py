"""Commands of the token authority: init, orgs, spaces, accounts, members, tokens, audit,
billing, db. Each parses, calls one service and prints; the services hold the rules."""

from __future__ import annotations

from typing import Annotated

import typer

from indicate_mcp.authority import issuance
from indicate_mcp.authority.model import IssuedToken, TokenView
from indicate_mcp.cli import audit_commands, team_commands
from indicate_mcp.cli.common import (
    AsOpt,
    DatabaseOpt,
    JsonOpt,
    account_id_for,
    actor_for,
    err,
    out,
    print_json,
    run,
    table,
    when,
)
from indicate_mcp.db import Database

tokens_app = typer.Typer(
    help="Create, list, show, edit, regenerate and revoke agent and API tokens.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    audit_commands.register_init(app)
    team_commands.register(app)
    app.add_typer(tokens_app, name="tokens")
    audit_commands.register(app)


def show_secret(issued: IssuedToken, json_out: bool, *, action: str = "Created") -> None:
    """The only place a plaintext token is printed: once, to stdout, never to a log."""
    if json_out:
        print_json({"token": issued.token, "secret": issued.secret})
        return
    t = issued.token
    out.print(
        f"{action} {t.kind} token [bold]{t.name}[/] ({t.id}, {t.scope}-space) for {t.account_name}."
    )
    out.print("Copy it now: it is shown only once and cannot be retrieved again.\n")
    typer.echo(issued.secret)


def token_rows(views: list[TokenView]) -> None:
    table(
        None,
        [
            "ID",
            "Name",
            "Token",
            "Kind",
            "Scope",
            "Assigned to",
            "Status",
            "Last activity",
            "Created",
        ],
        [
            [
                v.id,
                v.name,
                v.masked,
                v.kind,
                v.scope,
                v.account_name,
                v.status,
                when(v.last_used_at),
                v.created_at.strftime("%Y-%m-%d"),
            ]
            for v in views
        ],
    )


@tokens_app.command("create")
def tokens_create(
    space: Annotated[str, typer.Option("--space", help="Space ID the token is created in.")],
    name: Annotated[str, typer.Option("--name", help='e.g. "Marketing Team n8n".')],
    account: Annotated[
        str | None,
        typer.Option(help="Account (ID or e-mail) that holds the token; default: yourself."),
    ] = None,
    kind: Annotated[str, typer.Option(help="agent (MCP) or api (REST, Enterprise).")] = "agent",
    scope: Annotated[
        str, typer.Option(help="single (this space) or multi (all of the account's).")
    ] = "single",
    acknowledge_billing: Annotated[
        bool,
        typer.Option(
            "--acknowledge-billing",
            help="Agent tokens: I acknowledge the additional billing for this agent token seat.",
        ),
    ] = False,
    expires_in_days: Annotated[int | None, typer.Option(help="Optional expiry.")] = None,
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Create a token; its secret is printed once."""

    async def work(db: Database) -> IssuedToken:
        actor = await actor_for(db, as_account)
        account_id = None if account is None else await account_id_for(db, actor, account)
        return await issuance.create_token(
            db,
            actor,
            space_id=space,
            name=name,
            kind=kind,
            scope=scope,
            account_id=account_id,
            acknowledge_billing=acknowledge_billing,
            expires_in_days=expires_in_days,
        )

    show_secret(run(database, work), json_out)


@tokens_app.command("list")
def tokens_list(
    space: Annotated[str | None, typer.Option(help="Only tokens created in this space.")] = None,
    status: Annotated[str, typer.Option(help="all, active, revoked or regenerated.")] = "all",
    kind: Annotated[str | None, typer.Option(help="agent or api.")] = None,
    search: Annotated[str | None, typer.Option(help="Part of the token name.")] = None,
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """List tokens, masked, with status and last activity."""

    async def work(db: Database) -> list[TokenView]:
        actor = await actor_for(db, as_account)
        return await issuance.list_tokens(
            db, actor, space_id=space, status=status, kind=kind, search=search
        )

    views = run(database, work)
    if json_out:
        print_json(views)
    else:
        token_rows(views)


@tokens_app.command("show")
def tokens_show(
    token_id: Annotated[str, typer.Argument(help="The 12-character token ID.")],
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Show one token (never its secret)."""

    async def work(db: Database) -> TokenView:
        return await issuance.get_token(db, await actor_for(db, as_account), token_id)

    view = run(database, work)
    if json_out:
        print_json(view)
        return
    rows = [
        ("ID", view.id),
        ("Name", view.name),
        ("Token", view.masked),
        ("Kind", view.kind),
        ("Scope", view.scope),
        ("Space", view.space_id),
        ("Assigned to", f"{view.account_name} ({view.account_id})"),
        ("Status", view.status),
        ("Last activity", when(view.last_used_at)),
        ("Created", f"{when(view.created_at)} by {view.created_by}"),
        ("Expires", when(view.expires_at) if view.expires_at else "never"),
        ("Replaces", view.replaces_id),
        ("Replaced by", view.replaced_by_id),
    ]
    table(None, ["Field", "Value"], rows)


@tokens_app.command("edit")
def tokens_edit(
    token_id: Annotated[str, typer.Argument(help="The token ID.")],
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    account: Annotated[
        str | None, typer.Option(help="Reassign to this account (ID or e-mail).")
    ] = None,
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Rename a token or reassign it to another account."""

    async def work(db: Database) -> TokenView:
        actor = await actor_for(db, as_account)
        account_id = None if account is None else await account_id_for(db, actor, account)
        return await issuance.edit_token(db, actor, token_id, name=name, account_id=account_id)

    view = run(database, work)
    if json_out:
        print_json(view)
    else:
        token_rows([view])


@tokens_app.command("regenerate")
def tokens_regenerate(
    token_id: Annotated[str, typer.Argument(help="The token ID.")],
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """New secret, same settings; the old one stops working at once."""

    async def work(db: Database) -> IssuedToken:
        return await issuance.regenerate_token(db, await actor_for(db, as_account), token_id)

    issued = run(database, work)
    if not json_out:
        err.print(f"Token {token_id} no longer works; it is replaced by {issued.token.id}.")
    show_secret(issued, json_out, action="Regenerated")


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="The token ID.")],
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Permanently deactivate a token; integrations using it lose access immediately."""

    async def work(db: Database) -> TokenView:
        return await issuance.revoke_token(db, await actor_for(db, as_account), token_id)

    view = run(database, work)
    if json_out:
        print_json(view)
    else:
        out.print(
            f"Revoked {view.masked} ({view.name}). The account {view.account_name} is unaffected."
        )
