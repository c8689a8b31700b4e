"""A small organisation with every role, built through the real services."""

from __future__ import annotations

from dataclasses import dataclass

from indicate_mcp.authority import accounts, issuance, memberships, organisations, spaces
from indicate_mcp.authority.accounts import Account
from indicate_mcp.authority.model import Actor, IssuedToken
from indicate_mcp.authority.organisations import Organisation
from indicate_mcp.authority.spaces import Space
from indicate_mcp.db import Database

OPERATOR = Actor.operator()


@dataclass
class World:
    db: Database
    org: Organisation
    other_org: Organisation
    hotel: Space  # space A
    lake: Space  # space B
    outsider_space: Space  # belongs to other_org
    owner: Account  # owner of A and B
    admin: Account  # admin of A, reader of B
    user: Account  # user of A
    reader: Account  # reader of A
    bot: Account  # service account, user of A
    stranger: Account  # member of other_org only

    def actor(self, account: Account, channel: str = "cli") -> Actor:
        return Actor.for_account(account.id, account.name, account.org_id, channel)  # type: ignore[arg-type]

    async def agent_token(
        self,
        account: Account,
        *,
        space: Space | None = None,
        scope: str = "single",
        name: str = "t",
    ) -> IssuedToken:
        return await issuance.create_token(
            self.db,
            OPERATOR,
            space_id=(space or self.hotel).id,
            name=name,
            kind="agent",
            scope=scope,
            account_id=account.id,
            acknowledge_billing=True,
        )

    async def api_token(
        self, account: Account, *, space: Space | None = None, scope: str = "single"
    ) -> IssuedToken:
        return await issuance.create_token(
            self.db,
            OPERATOR,
            space_id=(space or self.hotel).id,
            name="api",
            kind="api",
            scope=scope,
            account_id=account.id,
        )


async def build_world(db: Database, plan: str = "enterprise") -> World:
    op = OPERATOR
    org = await organisations.create_organisation(db, op, name="Alpine Test Group", plan=plan)
    other = await organisations.create_organisation(db, op, name="Other Group", plan="enterprise")
    hotel = await spaces.create_space(db, op, org_id=org.id, name="Mountain Resort")
    lake = await spaces.create_space(db, op, org_id=org.id, name="Lake Hotel")
    outsider_space = await spaces.create_space(db, op, org_id=other.id, name="Elsewhere")

    async def member(org_id: str, name: str, email: str) -> Account:
        return await accounts.create_member(db, op, org_id=org_id, name=name, email=email)

    owner = await member(org.id, "Olga Owner", "olga@alpine.example")
    admin = await member(org.id, "Adam Admin", "adam@alpine.example")
    user = await member(org.id, "Ulla User", "ulla@alpine.example")
    reader = await member(org.id, "Rita Reader", "rita@alpine.example")
    bot = await accounts.create_service_account(db, op, org_id=org.id, name="n8n bot")
    stranger = await member(other.id, "Sven Stranger", "sven@other.example")
    for account, space, role in (
        (owner, hotel, "owner"),
        (owner, lake, "owner"),
        (admin, hotel, "admin"),
        (admin, lake, "reader"),
        (user, hotel, "user"),
        (reader, hotel, "reader"),
        (bot, hotel, "user"),
        (stranger, outsider_space, "owner"),
    ):
        await memberships.add_member(db, op, space_id=space.id, account_id=account.id, role=role)

    async def refreshed(a: Account) -> Account:
        async with db.read() as conn:
            return await accounts.fetch_account(conn, a.id)

    return World(
        db,
        org,
        other,
        hotel,
        lake,
        outsider_space,
        await refreshed(owner),
        await refreshed(admin),
        await refreshed(user),
        await refreshed(reader),
        await refreshed(bot),
        await refreshed(stranger),
    )


async def snapshot(
    db: Database, *, skip: tuple[str, ...] = ("audit_events",)
) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to prove a refused change left nothing behind."""
    from sqlalchemy import select

    from indicate_mcp.db.tables import metadata

    result: dict[str, list[tuple[object, ...]]] = {}
    async with db.read() as conn:
        for table in metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = (await conn.execute(select(table))).all()
            result[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return result
