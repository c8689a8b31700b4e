"""``tokens mcp-json`` and ``tokens vscode-link``: client configuration for an existing token.

The secret is gone by now (it is shown once, at creation), so every config here names the
client's own secret prompt or an environment variable. The token is still looked up, so that
nobody gets a config for a token that is revoked, of the wrong kind, or not theirs to see.
"""

from __future__ import annotations

from typing import Annotated

import typer

from indicate_mcp import clients
from indicate_mcp.authority import issuance
from indicate_mcp.authority.model import TokenView
from indicate_mcp.cli.common import (
    AsOpt,
    DatabaseOpt,
    JsonOpt,
    actor_for,
    err,
    fail,
    out,
    print_json,
    run,
    settings_for,
)
from indicate_mcp.db import Database
from indicate_mcp.errors import Conflict, InvalidInput

PublicUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--public-url",
        help="Base URL clients reach the server at (default: $INDICATE_PUBLIC_URL, "
        "or http://HOST:PORT from $INDICATE_HOST and $INDICATE_PORT).",
        show_default=False,
    ),
]
NameOpt = Annotated[str, typer.Option("--name", help="Server name in the client's configuration.")]


def register(app: typer.Typer, tokens_app: typer.Typer) -> None:
    tokens_app.command("mcp-json")(tokens_mcp_json)
    tokens_app.command("vscode-link")(tokens_vscode_link)


def _usable_token(database: str | None, token_id: str, as_account: str | None) -> TokenView:
    async def work(db: Database) -> TokenView:
        view = await issuance.get_token(db, await actor_for(db, as_account), token_id)
        if view.kind != "agent":
            raise InvalidInput(
                f"token {token_id} is an API token, for the REST API; MCP clients need an "
                "agent token",
                field="token_id",
            )
        if view.status != "active":
            hint = f"; use its replacement {view.replaced_by_id}" if view.replaced_by_id else ""
            raise Conflict(f"token {token_id} is {view.status} and no longer works{hint}")
        return view

    return run(database, work)


def _stdio_database(database: str | None) -> str | None:
    path = settings_for(database).database_path()
    return str(path.resolve()) if path is not None else None


def tokens_mcp_json(
    token_id: Annotated[str, typer.Argument(help="The 12-character token ID.")],
    client: Annotated[
        str,
        typer.Option("--client", help=f"One of: {', '.join(clients.CLIENTS)}; or 'all'."),
    ] = "all",
    public_url: PublicUrlOpt = None,
    name: NameOpt = "indicate",
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Show the MCP configuration for an agent token, per client (View mcp.json)."""
    if client != "all" and client not in clients.CLIENTS:
        fail(InvalidInput(f"unknown client {client!r}; valid: all, {', '.join(clients.CLIENTS)}"))
    _usable_token(database, token_id, as_account)
    base_url = settings_for(database, public_url=public_url).base_url
    try:
        wanted = clients.CLIENTS if client == "all" else (client,)
        configs = [
            clients.build_config(
                c,
                base_url=base_url,
                token=None,
                name=name,
                database=_stdio_database(database),
            )
            for c in wanted
        ]
    except InvalidInput as exc:
        fail(exc)
    if json_out:
        print_json(configs)
        return
    if len(configs) == 1:
        # Bare content on stdout so it can be redirected into the file; the rest to stderr.
        config = configs[0]
        typer.echo(config.content, nl=False)
        if config.path:
            err.print(f"Goes in: {config.path}", highlight=False)
        err.print(config.note, highlight=False)
        return
    for config in configs:
        out.rule(f"[bold]{config.title}[/]  ({config.client})")
        if config.path:
            out.print(f"Goes in: {config.path}", highlight=False)
        typer.echo(config.content)
        out.print(f"[dim]{config.note}[/]", highlight=False)
        typer.echo()


def tokens_vscode_link(
    token_id: Annotated[str, typer.Argument(help="The 12-character token ID.")],
    insiders: Annotated[bool, typer.Option("--insiders", help="For VS Code Insiders.")] = False,
    web: Annotated[
        bool,
        typer.Option("--web", help="The https form, for web pages and READMEs."),
    ] = False,
    public_url: PublicUrlOpt = None,
    name: NameOpt = "indicate",
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Print the Install in VS Code link for an agent token; VS Code asks for the token."""
    _usable_token(database, token_id, as_account)
    base_url = settings_for(database, public_url=public_url).base_url
    try:
        link = clients.vscode_install_link(base_url, insiders=insiders, name=name, web=web)
    except InvalidInput as exc:
        fail(exc)
    if json_out:
        print_json({"link": link, "insiders": insiders, "web": web})
    else:
        typer.echo(link)
