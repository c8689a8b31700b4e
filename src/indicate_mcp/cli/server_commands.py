"""``serve`` and ``stdio``: start the MCP server. Thin: settings, first start, banner, run."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer

from indicate_mcp import clients
from indicate_mcp.cli.common import DatabaseOpt, err, out, settings_for
from indicate_mcp.config import Settings
from indicate_mcp.errors import IndicateError
from indicate_mcp.server import logs

if TYPE_CHECKING:  # the server modules load uvicorn; other commands should not pay for it
    from indicate_mcp.server.launch import FirstStart


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("stdio")(stdio)


LogLevelOpt = Annotated[
    str | None,
    typer.Option("--log-level", help="debug, info, warning or error (default: info)."),
]


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    database: DatabaseOpt = None,
    no_demo: Annotated[
        bool, typer.Option("--no-demo", help="On an empty database, do not load the demo.")
    ] = False,
    public_url: Annotated[
        str | None,
        typer.Option(help="URL clients use, e.g. https://mcp.example.com (behind a proxy)."),
    ] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(help="Extra Host header to accept (repeatable); '*' disables the check."),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    log_level: LogLevelOpt = None,
) -> None:
    """Serve MCP (/mcp, /sse) and the REST API (/api/v1). On an empty database, load the demo
    and print the owner's agent token once."""
    from indicate_mcp.server import launch

    settings = settings_for(
        database,
        host=host,
        port=port,
        public_url=public_url,
        log_level=log_level.upper() if log_level else None,
        allowed_hosts=allowed_host or None,
    )
    logs.install(settings.log_level)
    try:
        first = asyncio.run(launch.prepare(settings, demo=not no_demo))
    except IndicateError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        raise typer.Exit(exc.exit_code) from None
    mcp_url = clients.mcp_url(settings.base_url)
    if first.token is not None:
        _first_banner(settings, first)
    elif first.empty:
        err.print(
            "The database has no organisation yet, so no token can connect. Create one with:\n"
            '  indicate-mcp init --org-name "My Hotels" --space-name "My Hotel" '
            '--owner-name "Your Name" --owner-email you@example.com'
            + (f" --database {database}" if database else "")
            + "\nor restart without --no-demo to load the demo.",
            highlight=False,
        )
    out.print(f"indicate-mcp serving MCP at [bold]{mcp_url}[/] (legacy SSE at /sse)")
    launch.run(settings, workers=workers)


def _first_banner(settings: Settings, first: FirstStart) -> None:
    assert first.token is not None
    secret = first.token.secret
    base = settings.base_url
    out.print(
        f"\nLoaded the demo organisation [bold]{first.org_name}[/]. Agent token for its owner, "
        f"{first.owner_name} (every hotel). [bold]Copy it now: it is shown only once.[/]\n",
        highlight=False,
    )
    typer.echo(secret)
    for client in ("claude-code", "vscode", "vscode-link"):
        config = clients.build_config(client, base_url=base, token=secret)
        out.print(f"\n[bold]{config.title}[/]" + (f" ({config.path})" if config.path else ""))
        typer.echo(config.content)
        if config.note:
            out.print(config.note, highlight=False)
    out.print("")


def stdio(
    database: DatabaseOpt = None,
    log_level: LogLevelOpt = None,
) -> None:
    """Speak MCP on stdin/stdout for a host that starts the server itself. The agent token comes
    from the INDICATE_AGENT_TOKEN environment variable."""
    from indicate_mcp.server.stdio import StdioRefused, serve_stdio

    settings = settings_for(database, log_level=log_level.upper() if log_level else "WARNING")
    logs.install(settings.log_level)
    try:
        asyncio.run(serve_stdio(settings))
    except StdioRefused as refused:
        err.print(f"[bold red]indicate-mcp stdio:[/] {refused}", highlight=False)
        raise typer.Exit(2) from None
    except IndicateError as exc:
        err.print(f"[bold red]indicate-mcp stdio:[/] {exc.message}", highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
