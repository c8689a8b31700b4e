"""What every command shares: options, the database, the actor, output and error exits."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from indicate_mcp.authority.accounts import find_account
from indicate_mcp.authority.model import Actor
from indicate_mcp.config import Settings
from indicate_mcp.db import Database
from indicate_mcp.db.migrate import upgrade
from indicate_mcp.errors import IndicateError

T = TypeVar("T")

# Piped output keeps whole rows rather than wrapping them at an imagined 80 columns.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        help="SQLite file or postgresql:// URL (default: $INDICATE_DATABASE_URL or indicate.db).",
        show_default=False,
    ),
]
AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Run as this account (ID or e-mail), with its permission checks, "
        "instead of as the local operator.",
        show_default=False,
    ),
]


def settings_for(database: str | None = None, **overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if database:
        values["database_url"] = database
    return Settings(**values)


async def open_db(settings: Settings) -> Database:
    db = Database(settings.database_url)
    await upgrade(db)
    return db


async def actor_for(db: Database, as_account: str | None) -> Actor:
    if not as_account:
        return Actor.operator()
    account = await find_account(db, as_account)
    return Actor.for_account(account.id, account.name, account.org_id)


async def account_id_for(db: Database, actor: Actor, ref: str) -> str:
    """An account named by ID or e-mail, looked up in the actor's organisation."""
    return (await find_account(db, ref, actor.org_id)).id


def run(
    database: str | None,
    work: Callable[[Database], Awaitable[T]],
) -> T:
    """Open (and migrate) the database, run ``work``, close, and turn errors into exits."""

    async def main() -> T:
        db = await open_db(settings_for(database))
        try:
            return await work(db)
        finally:
            await db.dispose()

    return run_async(main())


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except IndicateError as exc:
        fail(exc)


def fail(exc: IndicateError) -> NoReturn:
    err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
    raise typer.Exit(exc.exit_code)


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return to_jsonable(value.model_dump(mode="json"))
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False) + "\n")


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    t = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        t.add_column(column, overflow="fold")
    for row in rows:
        t.add_row(*("—" if v is None else _cell(v) for v in row))
    out.print(t)


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def when(value: datetime | None) -> str:
    return "never" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")
