"""What ``indicate-mcp serve`` does before and around uvicorn.

The first start runs here, in the parent process, before any worker exists: two workers
racing to load the demo and mint the owner's token would print two secrets or none.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import uvicorn
from sqlalchemy import func, select

from indicate_mcp.authority.issuance import create_token
from indicate_mcp.authority.model import Actor, IssuedToken
from indicate_mcp.config import Settings
from indicate_mcp.db import Database
from indicate_mcp.db.migrate import upgrade
from indicate_mcp.db.tables import organisations


@dataclass(frozen=True, slots=True)
class FirstStart:
    """What the operator must see once: the demo's owner token. ``None`` fields when the
    database already had an organisation or the operator chose ``--no-demo``."""

    empty: bool
    token: IssuedToken | None = None
    org_name: str | None = None
    owner_name: str | None = None


async def prepare(settings: Settings, *, demo: bool) -> FirstStart:
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        async with db.read() as conn:
            count = (await conn.execute(select(func.count()).select_from(organisations))).scalar()
        if count:
            return FirstStart(empty=False)
        if not demo:
            return FirstStart(empty=True)
        from indicate_mcp.metrics.demo import load_demo

        summary = await load_demo(db)
        # Starting serve on an empty database is the operator's billing acknowledgement.
        token = await create_token(
            db,
            Actor.operator(),
            space_id=summary.space_ids[0],
            name="Demo owner agent token",
            kind="agent",
            scope="multi",
            account_id=summary.owner_account_id,
            acknowledge_billing=True,
        )
        return FirstStart(
            empty=False, token=token, org_name=summary.org_name, owner_name=token.token.account_name
        )
    finally:
        await db.dispose()


def export_settings(settings: Settings) -> None:
    """Workers build their own app from INDICATE_* (uvicorn imports the factory by name)."""
    os.environ["INDICATE_DATABASE_URL"] = settings.database_url
    os.environ["INDICATE_HOST"] = settings.host
    os.environ["INDICATE_PORT"] = str(settings.port)
    os.environ["INDICATE_LOG_LEVEL"] = settings.log_level
    os.environ["INDICATE_ALLOWED_HOSTS"] = json.dumps(settings.allowed_hosts)
    if settings.public_url:
        os.environ["INDICATE_PUBLIC_URL"] = settings.public_url


def run(settings: Settings, *, workers: int = 1) -> None:
    """Blocks until SIGINT/SIGTERM; uvicorn then runs the lifespan's shutdown in each worker
    (flush token usage, dispose of the engine)."""
    export_settings(settings)
    config = uvicorn.Config(
        "indicate_mcp.server.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()
