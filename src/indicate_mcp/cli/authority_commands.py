"""Commands of the token authority (being written)."""

from __future__ import annotations

import typer

tokens_app = typer.Typer(
    help="Create, list, edit, regenerate and revoke tokens.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(tokens_app, name="tokens")
