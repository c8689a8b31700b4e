"""No plaintext secret is ever at rest: not in the database (file, WAL, shared memory, every row,
a dump), not in any log, at DEBUG for every logger and with SQL echo on. Only SHA-256 hex is
stored."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from indicate_mcp.authority import accounts, issuance, memberships
from indicate_mcp.authority.model import Actor
from indicate_mcp.authority.resolver import Resolver
from indicate_mcp.authority.tokens import checksum
from indicate_mcp.cli import app
from indicate_mcp.db import Database
from indicate_mcp.db.engine import sqlite_path
from indicate_mcp.db.tables import tokens
from indicate_mcp.errors import AuthenticationFailed

OPERATOR = Actor.operator()
runner = CliRunner()


@pytest.fixture
def debug_logs(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """Every logger at DEBUG into one file; SQLAlchemy's echo logger also into its own."""
    paths = {"all": tmp_path / "debug.log", "echo": tmp_path / "echo.log"}
    root = logging.getLogger()
    echo_logger = logging.getLogger("sqlalchemy.engine.Engine")
    handler = logging.FileHandler(paths["all"], encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    echo_handler = logging.FileHandler(paths["echo"], encoding="utf-8")
    echo_handler.setLevel(logging.DEBUG)
    saved = {name: lg.level for name, lg in logging.Logger.manager.loggerDict.items()
             if isinstance(lg, logging.Logger)}  # fmt: skip
    saved_root = root.level
    root.addHandler(handler)
    echo_logger.addHandler(echo_handler)
    root.setLevel(logging.DEBUG)
    for name in saved:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield paths
    finally:
        root.removeHandler(handler)
        echo_logger.removeHandler(echo_handler)
        handler.close()
        echo_handler.close()
        root.setLevel(saved_root)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def cli(url: str, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--database", url, "--json"])
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return json.loads(result.stdout)


async def service_flow(url: str, space_id: str, owner_id: str, org_id: str) -> list[str]:
    """Issue, regenerate, revoke and use many tokens through the services, one engine with echo."""
    secrets: list[str] = []
    db = Database(url, echo=True)
    try:
        bot = await accounts.create_service_account(db, OPERATOR, org_id=org_id, name="bot")
        await memberships.add_member(
            db, OPERATOR, space_id=space_id, account_id=bot.id, role="user"
        )
        resolver = Resolver(db, usage_interval=0)
        for i in range(6):
            issued = await issuance.create_token(
                db,
                OPERATOR,
                space_id=space_id,
                name=f"flow {i}",
                scope="multi" if i % 2 else "single",
                account_id=bot.id if i % 3 else owner_id,
                acknowledge_billing=True,
            )
            secrets.append(issued.secret)
            assert (await resolver.resolve(issued.secret, "mcp")).token_id == issued.token.id
            again = await issuance.regenerate_token(db, OPERATOR, issued.token.id)
            secrets.append(again.secret)
            with pytest.raises(AuthenticationFailed):
                await resolver.resolve(issued.secret, "mcp")
            if i % 2:
                await issuance.revoke_token(db, OPERATOR, again.token.id)
                with pytest.raises(AuthenticationFailed):
                    await resolver.resolve(again.secret, "mcp")
            else:
                await resolver.resolve(again.secret, "mcp")
        api = await issuance.create_token(
            db, OPERATOR, space_id=space_id, name="api", kind="api", account_id=bot.id
        )
        secrets.append(api.secret)
        await resolver.resolve(api.secret, "api")
        with pytest.raises(AuthenticationFailed):
            await resolver.resolve(api.secret, "mcp")  # wrong kind, audited
        # A look-alike with a valid checksum and a real token ID but another secret: unknown.
        head = f"ind_api_{api.token.id}_{'A' * 32}"
        with pytest.raises(AuthenticationFailed) as caught:
            await resolver.resolve(head + checksum(head), "api")
        assert caught.value.reason == "unknown"
        await resolver.flush_usage()
        await accounts.delete_account(db, OPERATOR, bot.id)
        with pytest.raises(AuthenticationFailed):
            await resolver.resolve(api.secret, "api")
    finally:
        await db.dispose()
    return secrets


async def stored_hashes(url: str) -> dict[str, str]:
    db = Database(url)
    try:
        async with db.read() as conn:
            rows = await conn.execute(select(tokens.c.id, tokens.c.secret_hash))
            return {r.id: r.secret_hash for r in rows}
    finally:
        await db.dispose()


async def every_row_as_text(url: str) -> str:
    db = Database(url)
    try:
        async with db.read() as conn:
            names = (
                await conn.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
                    )
                )
            ).scalars()
            chunks: list[str] = []
            for name in list(names):
                rows = await conn.execute(text(f'SELECT t::text FROM "{name}" t'))
                chunks.extend(r[0] for r in rows)
            return "\n".join(chunks)
    finally:
        await db.dispose()


def needles(secrets: list[str]) -> list[str]:
    found = []
    for secret in secrets:
        body = secret.rsplit("_", 1)[1]
        assert len(body) == 38
        found += [secret, body[:32]]
    return found


def assert_absent(haystack: bytes | str, secrets: list[str], where: str) -> None:
    data = haystack if isinstance(haystack, bytes) else haystack.encode("utf-8", "replace")
    for needle in needles(secrets):
        assert needle.encode("ascii") not in data, f"secret material found in {where}"


def test_no_plaintext_secret_is_ever_at_rest(
    db_url: str, tmp_path: Path, debug_logs: dict[str, Path]
) -> None:
    url = db_url
    init = cli(url, "init", "--org-name", "Secret Hotel", "--space-name", "Main", "--owner-name",
               "Olga", "--owner-email", "olga@secret.example", "--plan", "enterprise")  # fmt: skip
    secrets = [init["secret"]]
    space, owner, org = init["space"]["id"], init["owner"]["id"], init["organisation"]["id"]
    for i in range(3):
        made = cli(url, "tokens", "create", "--space", space, "--name", f"cli {i}",
                   "--account", owner, "--acknowledge-billing")  # fmt: skip
        secrets.append(made["secret"])
        again = cli(url, "tokens", "regenerate", made["token"]["id"])
        secrets.append(again["secret"])
        if i:
            cli(url, "tokens", "revoke", again["token"]["id"])
    cli(url, "tokens", "list")
    cli(url, "audit", "list", "--limit", "1000")
    cli(url, "billing")
    secrets += asyncio.run(service_flow(url, space, owner, org))
    assert len(secrets) == 1 + 6 + 13
    assert len(set(secrets)) == len(secrets)

    # The search itself finds a leaked secret, or its 32 secret characters on their own.
    for leak in (secrets[-1], f"...{secrets[-1].rsplit('_', 1)[1][:32]}..."):
        with pytest.raises(AssertionError):
            assert_absent(leak.encode(), secrets, "a control")

    # Only SHA-256 hex of the whole token is stored, one per token.
    hashes = asyncio.run(stored_hashes(url))
    assert len(hashes) == len(secrets)
    for secret in secrets:
        token_id = secret.split("_")[2]
        assert hashes[token_id] == hashlib.sha256(secret.encode()).hexdigest()

    # The logs were really captured, at DEBUG, with SQL and parameters.
    everything = debug_logs["all"].read_text(encoding="utf-8")
    echo = debug_logs["echo"].read_text(encoding="utf-8")
    assert "INSERT INTO tokens" in everything and "INSERT INTO tokens" in echo
    assert "indicate_mcp.auth" in everything  # the resolver's refusals
    assert next(iter(hashes.values())) in everything  # parameters are logged, so would secrets
    assert_absent(everything, secrets, "the DEBUG log")
    assert_absent(echo, secrets, "the SQL echo log")

    # The audit export, as a file an operator would keep.
    export = tmp_path / "audit.jsonl"
    result = runner.invoke(app, ["audit", "export", "-o", str(export), "--database", url])
    assert result.exit_code == 0
    assert export.stat().st_size > 0
    assert_absent(export.read_bytes(), secrets, "the audit export")

    path = sqlite_path(url)
    if path is not None:
        # Every file SQLite keeps, while a connection holds the WAL open and after it closes.
        async def scan_open() -> list[Path]:
            db = Database(url)
            try:
                async with db.read() as conn:
                    await conn.execute(select(tokens.c.id))
                    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
                             if p.exists()]  # fmt: skip
                    for p in files:
                        assert_absent(p.read_bytes(), secrets, p.name)
                    return files
            finally:
                await db.dispose()

        scanned = asyncio.run(scan_open())
        assert path in scanned and Path(f"{path}-wal") in scanned
        assert_absent(path.read_bytes(), secrets, path.name)
    else:
        rows = asyncio.run(every_row_as_text(url))
        assert hashes[secrets[0].split("_")[2]] in rows  # the rendering covers the tokens table
        assert "token.regenerated" in rows  # and the audit log
        assert_absent(rows, secrets, "a PostgreSQL row")
        pg_dump = shutil.which("pg_dump")
        if pg_dump is not None:
            dump = subprocess.run(
                [pg_dump, "--no-owner", url], capture_output=True, check=True, timeout=60
            ).stdout
            assert b"COPY public.tokens" in dump
            assert_absent(dump, secrets, "pg_dump output")
