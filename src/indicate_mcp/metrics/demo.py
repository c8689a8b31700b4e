"""The demo: "Alpine Hotel Group", three hotels with two years of data, metrics and a team.

Loading is idempotent by organisation name: a second load finds the group and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, select

from indicate_mcp.authority.accounts import create_member, create_service_account
from indicate_mcp.authority.memberships import add_member
from indicate_mcp.authority.model import Actor
from indicate_mcp.authority.organisations import create_organisation, find_by_name
from indicate_mcp.authority.spaces import create_space
from indicate_mcp.db import Database
from indicate_mcp.db.metrics_tables import data_sources
from indicate_mcp.db.tables import accounts, spaces
from indicate_mcp.errors import Conflict
from indicate_mcp.ids import new_id
from indicate_mcp.metrics.apply import apply_definitions
from indicate_mcp.metrics.demo_data import (
    FORWARD_DAYS,
    HOTELS,
    Hotel,
    Row,
    ads_day,
    days,
    history_start,
    pms_day,
    web_day,
)
from indicate_mcp.metrics.store import write_values

ORG_NAME = "Alpine Hotel Group"
OWNER_EMAIL = "owner@alpine-hotels.example"
CHUNK = 10_000
# (name, e-mail, {hotel key: role}); the owner holds every hotel.
PEOPLE = (
    ("Anna Gruber", OWNER_EMAIL, {"mountain": "owner", "lake": "owner", "city": "owner"}),
    ("Markus Steiner", "admin@alpine-hotels.example", {"mountain": "admin", "lake": "admin"}),
    ("Lena Hofer", "revenue@alpine-hotels.example", {"city": "user", "mountain": "user"}),
    ("Tobias Berger", "reader@alpine-hotels.example", {"lake": "reader"}),
)
BOT = "n8n reporting bot"
SOURCES = (  # (key, integration, name suffix)
    ("pms", "mews", "Mews PMS"),
    ("web", "google_analytics", "Google Analytics 4"),
    ("ads", "meta_ads", "Meta Ads"),
)


class DemoSpace(BaseModel):
    id: str
    name: str


class DemoSummary(BaseModel):
    org_id: str
    org_name: str
    spaces: list[DemoSpace]
    owner_account_id: str
    created: bool
    values_written: int = 0

    @property
    def space_ids(self) -> list[str]:
        return [s.id for s in self.spaces]


def _metric(id: str, name: str, source: str, unit: str, aggregation: str, **more: Any) -> Any:
    return {"id": id, "name": name, "data_source": source, "unit": unit,
            "aggregation": aggregation, **more}  # fmt: skip


def metric_entries(pms: str, web: str, ads: str) -> list[dict[str, Any]]:
    eur = {"currency": "EUR"}
    both = ["channel", "room_type"]
    return [
        _metric("occupancy_rate", "Occupancy Rate", pms, "percent", "ratio",
                numerator="rooms_sold", denominator="rooms_available", multiplier=100,
                dimensions=["room_type"],
                description="Rooms sold ÷ rooms available. Future dates hold on-the-books "
                "occupancy."),
        _metric("adr", "ADR", pms, "currency", "ratio", numerator="room_revenue",
                denominator="rooms_sold", dimensions=both,
                description="Average daily rate: room revenue ÷ rooms sold.", **eur),
        _metric("revpar", "RevPAR", pms, "currency", "ratio", numerator="room_revenue",
                denominator="rooms_available", dimensions=["room_type"],
                description="Revenue per available room: room revenue ÷ rooms available.", **eur),
        _metric("room_revenue", "Room Revenue", pms, "currency", "sum", measure="room_revenue",
                dimensions=both, description="Net room revenue by stay date.", **eur),
        _metric("rooms_sold", "Rooms Sold", pms, "count", "sum", measure="rooms_sold",
                dimensions=both, description="Room nights sold by stay date."),
        _metric("reservations", "Reservations", pms, "count", "sum", measure="reservations",
                dimensions=both, description="Reservations by arrival date."),
        _metric("cancellation_rate", "Cancellation Rate", pms, "percent", "ratio",
                numerator="cancellations", denominator="reservations", multiplier=100,
                dimensions=both, description="Cancelled ÷ all reservations, by arrival date."),
        _metric("avg_daily_rooms_sold", "Average Daily Rooms Sold", pms, "number", "average",
                measure="rooms_sold", dimensions=both,
                description="Rooms sold per day, averaged over the days with data."),
        _metric("room_inventory", "Room Inventory", pms, "count", "last",
                measure="rooms_available", dimensions=["room_type"],
                description="Rooms available on the last day of the period."),
        _metric("website_sessions", "Website Sessions", web, "count", "sum", measure="sessions",
                dimensions=["device"], description="Sessions on the hotel website."),
        _metric("website_users", "Website Users", web, "count", "sum", measure="users",
                dimensions=["device"], description="Daily users, summed over the days."),
        _metric("conversion_rate", "Conversion Rate", web, "percent", "ratio",
                numerator="conversions", denominator="sessions", multiplier=100,
                dimensions=["device"], description="Booking-engine conversions ÷ sessions."),
        _metric("peak_daily_sessions", "Peak Daily Sessions", web, "count", "max",
                measure="sessions", dimensions=["device"],
                description="The busiest day's sessions in the period."),
        _metric("quietest_daily_sessions", "Quietest Daily Sessions", web, "count", "min",
                measure="sessions", dimensions=["device"],
                description="The quietest day's sessions in the period."),
        _metric("ad_spend", "Ad Spend", ads, "currency", "sum", measure="spend",
                description="Meta Ads spend.", **eur),
        _metric("ad_clicks", "Ad Clicks", ads, "count", "sum", measure="clicks",
                description="Clicks on Meta Ads."),
        _metric("cost_per_click", "Cost per Click", ads, "currency", "ratio", numerator="spend",
                denominator="clicks", description="Ad spend ÷ clicks.", **eur),
        _metric("click_through_rate", "Click-through Rate", ads, "percent", "ratio",
                numerator="clicks", denominator="impressions", multiplier=100,
                description="Clicks ÷ impressions."),
    ]  # fmt: skip


def hotel_rows(hotel: Hotel, today: date, source_ids: dict[str, str]) -> Iterator[dict[str, Any]]:
    start = history_start(today)
    for day in days(start, today + timedelta(days=FORWARD_DAYS)):
        generated: list[tuple[str, list[Row]]] = [("pms", pms_day(hotel, day, start, today))]
        if day <= today:
            generated += [("web", web_day(hotel, day, start)), ("ads", ads_day(hotel, day))]
        for key, rows in generated:
            for measure, d, dimension, value_key, value in rows:
                yield {
                    "data_source_id": source_ids[key],
                    "measure": measure,
                    "day": d,
                    "dimension": dimension,
                    "dimension_value": value_key,
                    "value": value,
                }


async def _load_hotel(db: Database, space_id: str, hotel: Hotel, today: date) -> int:
    connected = history_start(today)
    source_ids = {key: new_id("src") for key, _, _ in SOURCES}
    written = 0
    async with db.write() as conn:
        await conn.execute(
            insert(data_sources),
            [
                {"id": source_ids[key], "space_id": space_id, "name": f"{label} {hotel.name}",
                 "integration": integration, "status": "active", "connected_at": connected}
                for key, integration, label in SOURCES
            ],
        )  # fmt: skip
        chunk: list[dict[str, Any]] = []
        for row in hotel_rows(hotel, today, source_ids):
            chunk.append(row)
            if len(chunk) >= CHUNK:
                await write_values(conn, db.dialect, chunk, upsert=False)
                written += len(chunk)
                chunk = []
        await write_values(conn, db.dialect, chunk, upsert=False)
        written += len(chunk)
    entries = metric_entries(source_ids["pms"], source_ids["web"], source_ids["ads"])
    await apply_definitions(db, space_id, entries, origin="demo")
    return written


async def _existing(db: Database, org_id: str) -> DemoSummary:
    async with db.read() as conn:
        rows = await conn.execute(
            select(spaces.c.id, spaces.c.name).where(spaces.c.org_id == org_id)
            .order_by(spaces.c.created_at)
        )  # fmt: skip
        found = [DemoSpace(id=r.id, name=r.name) for r in rows]
        owner = (
            await conn.execute(
                select(accounts.c.id).where(
                    accounts.c.org_id == org_id,
                    accounts.c.email == OWNER_EMAIL,
                    accounts.c.deleted_at.is_(None),
                )
            )
        ).scalar_one_or_none()
        # The bot is the last thing a load creates: without it, an earlier load stopped halfway.
        finished = (
            await conn.execute(
                select(accounts.c.id).where(accounts.c.org_id == org_id, accounts.c.name == BOT)
            )
        ).first()
    if finished is None:
        raise Conflict(
            f"an earlier demo load into this database stopped halfway (organisation {org_id} "
            f"has no {BOT!r}); load the demo into a fresh database instead"
        )
    return DemoSummary(
        org_id=org_id, org_name=ORG_NAME, spaces=found, owner_account_id=owner or "",
        created=False,
    )  # fmt: skip


async def load_demo(db: Database, *, today: date | None = None) -> DemoSummary:
    """Create the demo group unless an organisation of that name exists already."""
    existing = await find_by_name(db, ORG_NAME)
    if existing is not None:
        return await _existing(db, existing.id)
    today = today or date.today()
    operator = Actor.operator()
    org = await create_organisation(db, operator, name=ORG_NAME, plan="enterprise")
    space_by_key: dict[str, DemoSpace] = {}
    written = 0
    for hotel in HOTELS:
        space = await create_space(db, operator, org_id=org.id, name=hotel.name)
        space_by_key[hotel.key] = DemoSpace(id=space.id, name=space.name)
        written += await _load_hotel(db, space.id, hotel, today)
    owner_id = ""
    for name, email, roles in PEOPLE:
        account = await create_member(db, operator, org_id=org.id, name=name, email=email)
        owner_id = owner_id or account.id
        for key, role in roles.items():
            await add_member(
                db, operator, space_id=space_by_key[key].id, account_id=account.id, role=role
            )
    bot = await create_service_account(db, operator, org_id=org.id, name=BOT)
    for demo_space in space_by_key.values():
        await add_member(db, operator, space_id=demo_space.id, account_id=bot.id, role="reader")
    return DemoSummary(
        org_id=org.id,
        org_name=ORG_NAME,
        spaces=list(space_by_key.values()),
        owner_account_id=owner_id,
        created=True,
        values_written=written,
    )
