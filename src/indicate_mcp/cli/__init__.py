"""The ``indicate-mcp`` command. Each area registers its commands; this module only wires them."""

from __future__ import annotations

import typer

from indicate_mcp import __version__
from indicate_mcp.cli import (
    authority_commands,
    client_commands,
    data_commands,
    server_commands,
)

app = typer.Typer(
    name="indicate-mcp",
    help="MCP server for hotel and marketing metrics, with an embedded token authority.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"indicate-mcp {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Serve metrics to AI tools over MCP and to platforms over REST; manage tokens."""


server_commands.register(app)
authority_commands.register(app)
data_commands.register(app)
client_commands.register(app, authority_commands.tokens_app)


def main() -> None:
    app()
