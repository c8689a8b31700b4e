from __future__ import annotations

from sqlalchemy import text

from indicate_mcp.db import Database
from indicate_mcp.db.migrate import current_revision, head_revision, upgrade


async def test_fresh_database_is_at_head(db: Database) -> None:
    assert await current_revision(db) == head_revision()


async def test_upgrade_twice_is_a_no_op(db: Database) -> None:
    before, after = await upgrade(db)
    assert before == after == head_revision()


async def test_sqlite_runs_with_wal_and_foreign_keys(db: Database) -> None:
    if not db.is_sqlite:
        return
    async with db.read() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1


async def test_sqlite_transactions_begin_as_each_kind_needs(db: Database) -> None:
    if not db.is_sqlite:
        return
    from sqlalchemy import event

    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement.strip().upper())

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    async with db.write() as conn:
        await conn.execute(text("SELECT 1"))
    assert seen == ["BEGIN IMMEDIATE", "SELECT 1"]  # writers queue instead of failing
    seen.clear()
    async with db.read() as conn:
        await conn.execute(text("SELECT 1"))
    assert seen == ["BEGIN", "SELECT 1"]
    seen.clear()
    async with db.read_one() as conn:
        await conn.execute(text("SELECT 1"))
    assert seen == ["SELECT 1"]  # the hot path skips the round trip for BEGIN
