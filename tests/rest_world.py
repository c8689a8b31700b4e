"""A small Enterprise organisation with metric data and API tokens, built through the real
services, and the Starlette app that mounts the REST API at /api/v1 the way the server does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from indicate_mcp.authority import accounts, issuance, memberships, spaces
from indicate_mcp.authority.bootstrap import initialise
from indicate_mcp.authority.model import Actor, IssuedToken
from indicate_mcp.authority.resolver import Resolver
from indicate_mcp.config import Settings
from indicate_mcp.db import Database
from indicate_mcp.metrics import create_data_source
from indicate_mcp.metrics.apply import apply_definitions
from indicate_mcp.metrics.store import write_values
from indicate_mcp.server.context import ServerContext
from indicate_mcp.server.rest.app import build_app
from live_process import free_port, stop, wait_until_ready

OPERATOR = Actor.operator()
FIRST_DAY = date(2025, 1, 1)
DAYS = 120

METRICS: list[dict[str, Any]] = [
    {
        "id": "occupancy_rate",
        "name": "Occupancy rate",
        "unit": "percent",
        "aggregation": "ratio",
        "numerator": "rooms_sold",
        "denominator": "rooms_available",
        "multiplier": 100,
    },
    {
        "id": "room_revenue",
        "name": "Room revenue",
        "unit": "currency",
        "currency": "EUR",
        "aggregation": "sum",
        "measure": "revenue",
        "dimensions": ["channel"],
    },
    {
        "id": "rooms_sold",
        "name": "Rooms sold",
        "unit": "count",
        "aggregation": "sum",
        "measure": "rooms_sold",
    },
]


@dataclass
class RestWorld:
    db: Database
    org_id: str
    hotel: str  # space A: data
    lake: str  # space B: several data sources, no metrics
    foreign: str  # a space of another Enterprise organisation
    source_id: str
    owner_id: str
    bot_id: str
    single: IssuedToken  # API token of the bot, single-space in A
    multi: IssuedToken  # API token of the bot, multi-space (A and B)
    agent: IssuedToken  # the owner's agent token
    foreign_token: IssuedToken
    secrets: list[str] = field(default_factory=list)

    def auth(self, token: IssuedToken) -> dict[str, str]:
        return {"Authorization": f"Bearer {token.secret}"}

    async def api_token(self, account_id: str, space_id: str, scope: str = "single") -> IssuedToken:
        issued = await issuance.create_token(
            self.db,
            OPERATOR,
            space_id=space_id,
            name="extra",
            kind="api",
            scope=scope,
            account_id=account_id,
        )
        self.secrets.append(issued.secret)
        return issued


def _rows(source_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for offset in range(DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        sold = 40 + (offset * 7) % 35
        base = {"data_source_id": source_id, "day": day, "dimension": "", "dimension_value": ""}
        rows.append({**base, "measure": "rooms_sold", "value": float(sold)})
        rows.append({**base, "measure": "rooms_available", "value": 80.0})
        rows.append({**base, "measure": "revenue", "value": sold * 150.0})
        for channel, share in (("direct", 0.4), ("booking_com", 0.6)):
            rows.append(
                {
                    **base,
                    "measure": "revenue",
                    "dimension": "channel",
                    "dimension_value": channel,
                    "value": sold * 150.0 * share,
                }
            )
    return rows


async def build_world(db: Database) -> RestWorld:
    boot = await initialise(
        db,
        org_name="Alpine Hotel Group",
        plan="enterprise",
        space_name="Alpine Zermatt",
        owner_name="Olga Owner",
        owner_email="olga@example.com",
    )
    org_id, hotel = boot.org.id, boot.space.id
    lake = (await spaces.create_space(db, OPERATOR, org_id=org_id, name="Alpine Lake")).id
    await memberships.add_member(
        db, OPERATOR, space_id=lake, account_id=boot.owner.id, role="owner"
    )
    bot = await accounts.create_service_account(db, OPERATOR, org_id=org_id, name="BI platform")
    for space_id in (hotel, lake):
        await memberships.add_member(
            db, OPERATOR, space_id=space_id, account_id=bot.id, role="reader"
        )

    async def api(space_id: str, scope: str, account_id: str = bot.id) -> IssuedToken:
        return await issuance.create_token(
            db,
            OPERATOR,
            space_id=space_id,
            name=f"{scope} api",
            kind="api",
            scope=scope,
            account_id=account_id,
        )

    single, multi = await api(hotel, "single"), await api(hotel, "multi")

    other = await initialise(
        db,
        org_name="Other Group",
        plan="enterprise",
        space_name="Elsewhere",
        owner_name="Eve",
        owner_email="eve@example.com",
    )
    foreign_token = await api(other.space.id, "single", other.owner.id)

    source = await create_data_source(db, hotel, name="Mews PMS", integration="mews")
    await apply_definitions(db, hotel, [{**m, "data_source_id": source.id} for m in METRICS])
    async with db.write() as conn:
        await write_values(conn, db.dialect, _rows(source.id))
    for index in range(5):
        await create_data_source(db, lake, name=f"Sheet {index}", integration="csv")

    world = RestWorld(
        db=db,
        org_id=org_id,
        hotel=hotel,
        lake=lake,
        foreign=other.space.id,
        source_id=source.id,
        owner_id=boot.owner.id,
        bot_id=bot.id,
        single=single,
        multi=multi,
        agent=boot.token,
        foreign_token=foreign_token,
    )
    world.secrets += [
        single.secret,
        multi.secret,
        boot.token.secret,
        foreign_token.secret,
        other.token.secret,
    ]
    return world


def make_context(db: Database, db_url: str, **settings: Any) -> ServerContext:
    return ServerContext(
        settings=Settings(database_url=db_url, **settings), db=db, resolver=Resolver(db)
    )


def mounted(context: ServerContext, clock: Callable[[], float] | None = None) -> Starlette:
    rest = build_app(context) if clock is None else build_app(context, clock=clock)
    return Starlette(routes=[Mount("/api/v1", app=rest)])


@asynccontextmanager
async def client_for(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def create_app() -> Starlette:
    """Factory for ``uvicorn --factory``: the REST API alone, configured from INDICATE_*."""
    return mounted(ServerContext.create(Settings()))


@contextmanager
def uvicorn_server(db_url: str, **env: str) -> Iterator[str]:
    """A real uvicorn process serving the REST API on loopback; yields its base URL."""
    port = free_port()
    environ = {**os.environ, "INDICATE_DATABASE_URL": db_url, **env}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "rest_world:create_app",
        "--app-dir",
        str(Path(__file__).parent),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env=environ)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base}/api/v1/openapi.json", process, timeout=20)
        yield base
    finally:
        stop(process)
