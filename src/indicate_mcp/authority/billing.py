"""Agent-token seats. Every active agent token is one seat, priced by scope. The first cycle is
prorated from the creation date:

    first_cycle = monthly_price × (days_in_month − start_day + 1) ÷ days_in_month

rounded half-up to the cent, where the cycle is the calendar month (UTC) of the start date.
Regenerating keeps the seat and its start date, so it never starts a new prorated cycle.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from indicate_mcp.authority.model import Actor, utcnow
from indicate_mcp.authority.organisations import Organisation, fetch_organisation
from indicate_mcp.authority.permissions import require_managed_spaces
from indicate_mcp.db import Database
from indicate_mcp.db.tables import accounts, tokens

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Prices:
    single: Decimal = Decimal("19.00")
    multi: Decimal = Decimal("100.00")
    currency: str = "EUR"

    def for_scope(self, scope: str) -> Decimal:
        return self.multi if scope == "multi" else self.single


def prorate(price: Decimal, start: date) -> Decimal:
    days_in_month = calendar.monthrange(start.year, start.month)[1]
    remaining = days_in_month - start.day + 1
    return (price * remaining / days_in_month).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Seat:
    token_id: str
    name: str
    scope: str
    account_name: str
    space_id: str
    monthly_price: Decimal
    billing_start: date
    first_cycle_end: date
    first_cycle_amount: Decimal


@dataclass(frozen=True, slots=True)
class BillingReport:
    org: Organisation
    currency: str
    as_of: date
    seats: list[Seat] = field(default_factory=list)

    @property
    def single_seats(self) -> int:
        return sum(1 for s in self.seats if s.scope == "single")

    @property
    def multi_seats(self) -> int:
        return sum(1 for s in self.seats if s.scope == "multi")

    @property
    def monthly_total(self) -> Decimal:
        return sum((s.monthly_price for s in self.seats), Decimal("0.00"))

    @property
    def this_month_total(self) -> Decimal:
        """What the month of ``as_of`` costs: prorated for seats that started in it."""
        total = Decimal("0.00")
        for seat in self.seats:
            started_this_month = (seat.billing_start.year, seat.billing_start.month) == (
                self.as_of.year,
                self.as_of.month,
            )
            total += seat.first_cycle_amount if started_this_month else seat.monthly_price
        return total


async def billing_report(
    db: Database,
    actor: Actor,
    org_id: str,
    *,
    prices: Prices | None = None,
    as_of: date | None = None,
) -> BillingReport:
    prices = prices or Prices()
    as_of = as_of or utcnow().date()
    async with db.read() as conn:
        org = await fetch_organisation(conn, org_id)
        if not actor.is_operator:
            await require_managed_spaces(conn, actor, "see billing", org_id=org_id)
        rows = await conn.execute(
            select(tokens, accounts.c.name.label("account_name"))
            .join(accounts, accounts.c.id == tokens.c.account_id)
            .where(
                tokens.c.org_id == org_id,
                tokens.c.kind == "agent",
                tokens.c.status == "active",
                tokens.c.billing_start <= as_of,
            )
            .order_by(tokens.c.billing_start, tokens.c.name)
        )
        seats = []
        for r in rows:
            price = prices.for_scope(r.scope)
            start: date = r.billing_start
            last_day = date(
                start.year, start.month, calendar.monthrange(start.year, start.month)[1]
            )
            seats.append(
                Seat(
                    r.id,
                    r.name,
                    r.scope,
                    r.account_name,
                    r.space_id,
                    price,
                    start,
                    last_day,
                    prorate(price, start),
                )
            )
    return BillingReport(org, prices.currency, as_of, seats)
