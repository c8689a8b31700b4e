"""Agent-token seats and first-cycle proration. Expected amounts are worked out by hand in
the comments: price × remaining days ÷ days in month, rounded half-up to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import update

from authority_world import OPERATOR, World
from indicate_mcp.authority import accounts, issuance
from indicate_mcp.authority.billing import Prices, billing_report, prorate
from indicate_mcp.authority.model import utcnow
from indicate_mcp.db.tables import tokens
from indicate_mcp.errors import NotFound, PermissionDenied

D = Decimal


@pytest.mark.parametrize(
    ("price", "start", "expected"),
    [
        # 2024 is a leap year: February has 29 days; the 29th leaves 1 day. 19/29 = 0.6551… → 0.66
        ("19.00", date(2024, 2, 29), "0.66"),
        # 2023 February has 28 days; the 28th leaves 1. 19/28 = 0.6785… → 0.68
        ("19.00", date(2023, 2, 28), "0.68"),
        # The first of the month: 29/29 of the price.
        ("19.00", date(2024, 2, 1), "19.00"),
        # January has 31 days; the 31st leaves 1. 19/31 = 0.6129… → 0.61
        ("19.00", date(2024, 1, 31), "0.61"),
        # April has 30 days; the 30th leaves 1. 19/30 = 0.6333… → 0.63
        ("19.00", date(2024, 4, 30), "0.63"),
        # December has 31 days; the 31st leaves 1. 19/31 → 0.61
        ("19.00", date(2024, 12, 31), "0.61"),
        # 29 − 15 + 1 = 15 days left of 29. 1500/29 = 51.7241… → 51.72
        ("100.00", date(2024, 2, 15), "51.72"),
        # 31 − 4 + 1 = 28 days left of 31. 2800/31 = 90.3225… → 90.32
        ("100.00", date(2025, 12, 4), "90.32"),
        # 30 − 16 + 1 = 15 days left of 30. 10.25 × 15/30 = 5.125 exactly → half-up 5.13
        # (banker's rounding, or float round(), would give 5.12).
        ("10.25", date(2024, 4, 16), "5.13"),
        # 31 − 17 + 1 = 15 of 31. 31.31 × 15/31 = 15.15 exactly: no rounding at all.
        ("31.31", date(2024, 3, 17), "15.15"),
        # 28 − 15 + 1 = 14 of 28. 0.01 × 14/28 = 0.005 → half-up 0.01
        ("0.01", date(2023, 2, 15), "0.01"),
        # 100 on 1 March 2024: the whole month, 31/31.
        ("100.00", date(2024, 3, 1), "100.00"),
    ],
)
def test_prorate_by_hand(price: str, start: date, expected: str) -> None:
    result = prorate(D(price), start)
    assert result == D(expected)
    assert str(result) == expected  # always two decimals


async def _set_billing_start(world: World, token_id: str, start: date) -> None:
    async with world.db.write() as conn:
        await conn.execute(
            update(tokens).where(tokens.c.id == token_id).values(billing_start=start)
        )


async def test_seats_are_counted_by_scope_with_configured_prices(world: World) -> None:
    single_1 = await world.agent_token(world.user, name="a single")
    single_2 = await world.agent_token(world.bot, name="b single")
    multi = await world.agent_token(world.owner, scope="multi", name="c multi")
    api = await world.api_token(world.admin)  # not a seat
    revoked = await world.agent_token(world.reader, name="d revoked")
    await issuance.revoke_token(world.db, OPERATOR, revoked.token.id)
    other_org = await issuance.create_token(
        world.db,
        OPERATOR,
        space_id=world.outsider_space.id,
        name="elsewhere",
        account_id=world.stranger.id,
        acknowledge_billing=True,
    )
    # Fix the start dates so the expected totals can be worked out by hand.
    await _set_billing_start(world, single_1.token.id, date(2024, 1, 10))
    await _set_billing_start(world, single_2.token.id, date(2024, 2, 15))
    await _set_billing_start(world, multi.token.id, date(2024, 2, 1))

    prices = Prices(single=D("12.50"), multi=D("60.00"), currency="CHF")
    report = await billing_report(
        world.db, OPERATOR, world.org.id, prices=prices, as_of=date(2024, 2, 20)
    )
    assert report.currency == "CHF"
    assert report.org.id == world.org.id
    assert [s.token_id for s in report.seats] == [
        single_1.token.id,
        multi.token.id,
        single_2.token.id,
    ]
    assert api.token.id not in {s.token_id for s in report.seats}
    assert other_org.token.id not in {s.token_id for s in report.seats}
    assert (report.single_seats, report.multi_seats) == (2, 1)
    # 12.50 + 12.50 + 60.00
    assert report.monthly_total == D("85.00")
    by_id = {s.token_id: s for s in report.seats}
    s2 = by_id[single_2.token.id]
    # 12.50 × 15/29 = 6.4655… → 6.47, first cycle ends on the 29th (leap year).
    assert (s2.first_cycle_amount, s2.first_cycle_end) == (D("6.47"), date(2024, 2, 29))
    assert by_id[multi.token.id].first_cycle_amount == D("60.00")
    # January's seat was prorated in January; February costs the full price.
    # 12.50 (Jan seat, full) + 60.00 (started 1 Feb, 29/29) + 6.47 (started 15 Feb) = 78.97
    assert report.this_month_total == D("78.97")
    s1 = by_id[single_1.token.id]
    # 12.50 × 22/31 = 8.8709… → 8.87 in its own (January) cycle.
    assert (s1.first_cycle_amount, s1.first_cycle_end) == (D("8.87"), date(2024, 1, 31))
    assert (s1.scope, s1.account_name, s1.space_id, s1.monthly_price) == (
        "single",
        "Ulla User",
        world.hotel.id,
        D("12.50"),
    )

    # Seats not started yet on as_of are not counted; in March nothing is prorated.
    january = await billing_report(
        world.db, OPERATOR, world.org.id, prices=prices, as_of=date(2024, 1, 31)
    )
    assert [s.token_id for s in january.seats] == [single_1.token.id]
    assert january.this_month_total == D("8.87")
    march = await billing_report(
        world.db, OPERATOR, world.org.id, prices=prices, as_of=date(2024, 3, 5)
    )
    assert march.this_month_total == march.monthly_total == D("85.00")


async def test_default_prices_and_today(world: World) -> None:
    await world.agent_token(world.user)
    await world.agent_token(world.owner, scope="multi")
    report = await billing_report(world.db, OPERATOR, world.org.id)
    today = utcnow().date()
    assert report.as_of == today
    assert report.currency == "EUR"
    assert {s.billing_start for s in report.seats} == {today}
    assert report.monthly_total == D("119.00")
    assert report.this_month_total == prorate(D("19.00"), today) + prorate(D("100.00"), today)


async def test_regenerate_keeps_the_seat_and_its_start(world: World) -> None:
    issued = await world.agent_token(world.user, scope="single")
    await _set_billing_start(world, issued.token.id, date(2024, 2, 15))
    as_of = date(2024, 2, 20)
    before = await billing_report(world.db, OPERATOR, world.org.id, as_of=as_of)
    assert before.single_seats == 1
    # 19 × 15/29 = 9.8275… → 9.83
    assert before.this_month_total == D("9.83")

    again = await issuance.regenerate_token(world.db, OPERATOR, issued.token.id)
    assert again.token.billing_start == date(2024, 2, 15)
    twice = await issuance.regenerate_token(world.db, OPERATOR, again.token.id)
    after = await billing_report(world.db, OPERATOR, world.org.id, as_of=as_of)
    assert [s.token_id for s in after.seats] == [twice.token.id]
    assert after.seats[0].billing_start == date(2024, 2, 15)
    assert (after.single_seats, after.multi_seats) == (1, 0)
    assert after.this_month_total == D("9.83")
    assert after.monthly_total == before.monthly_total == D("19.00")


async def test_revoked_and_deleted_account_tokens_drop_out(world: World) -> None:
    keep = await world.agent_token(world.user)
    drop = await world.agent_token(world.admin)
    multi = await world.agent_token(world.reader, scope="multi")
    report = await billing_report(world.db, OPERATOR, world.org.id)
    assert (report.single_seats, report.multi_seats) == (2, 1)
    await issuance.revoke_token(world.db, OPERATOR, drop.token.id)
    await accounts.delete_account(world.db, OPERATOR, world.reader.id)
    report = await billing_report(world.db, OPERATOR, world.org.id)
    assert [s.token_id for s in report.seats] == [keep.token.id]
    assert multi.token.id not in {s.token_id for s in report.seats}
    assert report.monthly_total == D("19.00")


async def test_api_tokens_are_not_seats(world: World) -> None:
    await world.api_token(world.admin)
    await world.api_token(world.owner, scope="multi")
    report = await billing_report(world.db, OPERATOR, world.org.id)
    assert report.seats == []
    assert report.monthly_total == report.this_month_total == D("0.00")


@pytest.mark.parametrize("who", ["user", "reader", "bot"])
async def test_only_owners_and_admins_see_billing(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        await billing_report(world.db, world.actor(getattr(world, who)), world.org.id)
    for manager in (world.owner, world.admin):
        report = await billing_report(world.db, world.actor(manager), world.org.id)
        assert report.org.id == world.org.id


async def test_a_manager_of_another_organisation_cannot_see_this_ones_billing(
    world: World,
) -> None:
    # Sven owns a space of Other Group; that must not open Alpine Test Group's bill.
    with pytest.raises(PermissionDenied):
        await billing_report(world.db, world.actor(world.stranger), world.org.id)
    own = await billing_report(world.db, world.actor(world.stranger), world.other_org.id)
    assert own.org.id == world.other_org.id


async def test_unknown_organisation(world: World) -> None:
    with pytest.raises(NotFound) as caught:
        await billing_report(world.db, OPERATOR, "org_nope")
    assert world.org.id in caught.value.message


async def test_through_a_token_only_the_spaces_it_reaches_count(world: World) -> None:
    from indicate_mcp.authority.model import Actor
    from indicate_mcp.authority.resolver import Resolver

    # Adam is admin of hotel but only reader of lake: his lake-only token manages nothing.
    lake_only = await world.agent_token(world.admin, space=world.lake)
    caller = await Resolver(world.db).resolve(lake_only.secret, "mcp")
    with pytest.raises(PermissionDenied):
        await billing_report(world.db, Actor.for_caller(caller, "mcp"), world.org.id)
    hotel_token = await world.agent_token(world.admin, space=world.hotel)
    caller = await Resolver(world.db).resolve(hotel_token.secret, "mcp")
    report = await billing_report(world.db, Actor.for_caller(caller, "mcp"), world.org.id)
    assert report.single_seats == 2
