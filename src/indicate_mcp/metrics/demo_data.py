"""Deterministic daily data for the demo hotels.

Every day draws its noise from a generator seeded by (seed, hotel, date), so a date has the same
realised values whichever day the demo is loaded; only the on-the-books future depends on
``today``. Counts are split into breakdowns with the largest-remainder method and money in whole
cents, so every breakdown sums exactly to its total.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

SEED = 20_240_101
CHANNEL_PRICE = {"direct": 1.04, "booking_com": 1.0, "expedia": 0.97, "phone": 1.02}
CHANNEL_CANCEL = {"direct": 0.06, "booking_com": 0.19, "expedia": 0.15, "phone": 0.05}
DEVICE_SHARE = {"mobile": 0.58, "desktop": 0.35, "tablet": 0.07}
DEVICE_CONVERSION = {"mobile": 0.7, "desktop": 1.6, "tablet": 1.0}

Row = tuple[str, date, str, str, float]  # measure, day, dimension, dimension value, value


@dataclass(frozen=True, slots=True)
class Hotel:
    key: str
    name: str
    rooms: Mapping[str, int]  # inventory per room type
    price: Mapping[str, float]  # base nightly rate per room type, EUR
    season: tuple[float, ...]  # demand in the middle of each month, 0..1
    weekday: tuple[float, ...]  # demand factor Monday..Sunday
    channels: Mapping[str, float]  # share of rooms sold
    stay_nights: float
    sessions_per_room: float
    ad_budget: float  # EUR a day at average season
    growth: float  # demand trend per year

    @property
    def total_rooms(self) -> int:
        return sum(self.rooms.values())


def demand(hotel: Hotel, day: date) -> float:
    """Season curve interpolated between mid-month anchors."""
    position = (day.month - 1) + (day.day - 15) / 30.5
    low = math.floor(position)
    weight = position - low
    before, after = hotel.season[low % 12], hotel.season[(low + 1) % 12]
    return before + (after - before) * weight


def split(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Integer shares of ``total`` proportional to ``weights`` that sum exactly to it."""
    mass = sum(weights.values()) or 1.0
    exact = {k: total * w / mass for k, w in weights.items()}
    shares = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(shares.values())
    for key in sorted(exact, key=lambda k: exact[k] - shares[k], reverse=True)[:left]:
        shares[key] += 1
    return shares


def _cap(sold: dict[str, int], capacity: Mapping[str, int]) -> None:
    """Never more rooms of a type sold than exist: move the excess to types with room left."""
    for room_type in sold:
        excess = sold[room_type] - capacity[room_type]
        while excess > 0:
            spare = max(capacity, key=lambda k: capacity[k] - sold[k])
            moved = min(excess, capacity[spare] - sold[spare])
            if moved <= 0:
                return
            sold[room_type] -= moved
            sold[spare] += moved
            excess -= moved


def _rows(
    measure: str, day: date, total: float, parts: Mapping[str, Mapping[str, float]]
) -> list[Row]:
    rows: list[Row] = [(measure, day, "", "", total)]
    for dimension, values in parts.items():
        rows.extend((measure, day, dimension, key, value) for key, value in values.items())
    return rows


def _cents(parts: Mapping[str, int]) -> dict[str, float]:
    return {k: v / 100 for k, v in parts.items()}


def pms_day(hotel: Hotel, day: date, start: date, today: date) -> list[Row]:
    rng = random.Random(f"{SEED}:{hotel.key}:pms:{day.isoformat()}")
    years = (day - start).days / 365.25
    season = demand(hotel, day)
    occupancy = season * hotel.weekday[day.weekday()] * (1 + hotel.growth * years)
    occupancy = min(0.99, max(0.04, occupancy + rng.gauss(0, 0.045)))
    lead = (day - today).days
    booked = 1.0 if lead <= 0 else max(0.12, 0.93 - 0.8 * lead / 90 + rng.gauss(0, 0.03))
    available = dict(hotel.rooms)
    sold_total = round(occupancy * booked * hotel.total_rooms)
    sold_rt = split(sold_total, {k: n * rng.uniform(0.85, 1.15) for k, n in available.items()})
    _cap(sold_rt, available)
    rate = (0.78 + 0.55 * season) * (1 + 0.035 * years)
    revenue_rt = {
        k: round(sold_rt[k] * hotel.price[k] * rate * rng.uniform(0.96, 1.04) * 100)
        for k in available
    }
    revenue = sum(revenue_rt.values())
    sold_ch = split(sold_total, {k: s * rng.uniform(0.8, 1.2) for k, s in hotel.channels.items()})
    revenue_ch = split(revenue, {k: sold_ch[k] * CHANNEL_PRICE[k] for k in sold_ch})
    reservations = round(sold_total / hotel.stay_nights * rng.uniform(0.9, 1.1))
    res_ch = split(reservations, {k: float(v) for k, v in sold_ch.items()})
    res_rt = split(reservations, {k: float(v) for k, v in sold_rt.items()})
    rows = _rows(
        "rooms_available",
        day,
        hotel.total_rooms,
        {"room_type": {k: v for k, v in available.items()}},
    )
    rows += _rows("rooms_sold", day, sold_total, {"channel": sold_ch, "room_type": sold_rt})
    rows += _rows(
        "room_revenue",
        day,
        revenue / 100,
        {"channel": _cents(revenue_ch), "room_type": _cents(revenue_rt)},
    )
    rows += _rows("reservations", day, reservations, {"channel": res_ch, "room_type": res_rt})
    if lead <= 0:  # cancellations are only known once the stay date has passed
        cancel_ch = {
            k: round(n * CHANNEL_CANCEL[k] * rng.uniform(0.6, 1.4)) for k, n in res_ch.items()
        }
        cancelled = sum(cancel_ch.values())
        cancel_rt = split(cancelled, {k: float(v) for k, v in res_rt.items()})
        rows += _rows(
            "cancellations", day, cancelled, {"channel": cancel_ch, "room_type": cancel_rt}
        )
    return [(m, d, dim, val, float(v)) for m, d, dim, val, v in rows]


def web_day(hotel: Hotel, day: date, start: date) -> list[Row]:
    rng = random.Random(f"{SEED}:{hotel.key}:web:{day.isoformat()}")
    years = (day - start).days / 365.25
    ahead = demand(hotel, day + timedelta(days=45))  # guests browse weeks before they stay
    weekday = (1.12, 1.05, 1.0, 0.98, 0.9, 0.82, 1.1)[day.weekday()]
    sessions = round(
        hotel.sessions_per_room
        * hotel.total_rooms
        * (0.5 + 0.9 * ahead)
        * weekday
        * (1 + 0.12 * years)
        * rng.uniform(0.88, 1.12)
    )
    device = split(sessions, {k: s * rng.uniform(0.9, 1.1) for k, s in DEVICE_SHARE.items()})
    users = round(sessions * rng.uniform(0.74, 0.82))
    conversions = round(sessions * 0.014 * rng.uniform(0.75, 1.25))
    rows = _rows("sessions", day, sessions, {"device": device})
    rows += _rows(
        "users", day, users, {"device": split(users, {k: float(v) for k, v in device.items()})}
    )
    rows += _rows(
        "conversions",
        day,
        conversions,
        {"device": split(conversions, {k: device[k] * DEVICE_CONVERSION[k] for k in device})},
    )
    return [(m, d, dim, val, float(v)) for m, d, dim, val, v in rows]


def ads_day(hotel: Hotel, day: date) -> list[Row]:
    rng = random.Random(f"{SEED}:{hotel.key}:ads:{day.isoformat()}")
    ahead = demand(hotel, day + timedelta(days=60))  # campaigns run ahead of the season
    spend_cents = round(hotel.ad_budget * (0.45 + ahead) * rng.uniform(0.8, 1.2) * 100)
    impressions = round(spend_cents / 100 / (7.5 * rng.uniform(0.85, 1.15)) * 1000)
    clicks = round(impressions * 0.011 * rng.uniform(0.8, 1.2))
    return [
        ("spend", day, "", "", spend_cents / 100),
        ("impressions", day, "", "", float(impressions)),
        ("clicks", day, "", "", float(clicks)),
    ]


def history_start(today: date) -> date:
    """The first of the month 25 months back: two full years of history and then some."""
    months = today.year * 12 + today.month - 1 - 25
    return date(months // 12, months % 12 + 1, 1)


def days(first: date, last: date) -> Iterator[date]:
    current = first
    while current <= last:
        yield current
        current += timedelta(days=1)


FORWARD_DAYS = 90

HOTELS = (
    Hotel(
        key="mountain",
        name="Alpenrose Mountain Resort",
        rooms={"double": 70, "junior_suite": 32, "family_suite": 18},
        price={"double": 185.0, "junior_suite": 265.0, "family_suite": 340.0},
        season=(0.93, 0.96, 0.88, 0.52, 0.22, 0.5, 0.82, 0.9, 0.6, 0.34, 0.2, 0.72),
        weekday=(0.95, 0.93, 0.94, 0.98, 1.08, 1.12, 0.98),
        channels={"direct": 0.38, "booking_com": 0.34, "expedia": 0.12, "phone": 0.16},
        stay_nights=4.2,
        sessions_per_room=4.5,
        ad_budget=160.0,
        growth=0.03,
    ),
    Hotel(
        key="lake",
        name="Seeblick Lake Hotel",
        rooms={"lake_view_double": 26, "garden_double": 22, "suite": 8},
        price={"lake_view_double": 190.0, "garden_double": 150.0, "suite": 290.0},
        season=(0.34, 0.38, 0.46, 0.56, 0.72, 0.86, 0.95, 0.97, 0.8, 0.6, 0.38, 0.48),
        weekday=(0.85, 0.84, 0.88, 0.95, 1.18, 1.22, 0.9),
        channels={"direct": 0.44, "booking_com": 0.33, "expedia": 0.08, "phone": 0.15},
        stay_nights=2.6,
        sessions_per_room=6.0,
        ad_budget=70.0,
        growth=0.05,
    ),
    Hotel(
        key="city",
        name="Alpine City Hotel Innsbruck",
        rooms={"single": 60, "double": 120, "executive": 30},
        price={"single": 105.0, "double": 139.0, "executive": 210.0},
        season=(0.6, 0.68, 0.74, 0.77, 0.8, 0.82, 0.72, 0.66, 0.86, 0.84, 0.78, 0.62),
        weekday=(1.1, 1.16, 1.16, 1.1, 0.92, 0.84, 0.72),
        channels={"direct": 0.28, "booking_com": 0.41, "expedia": 0.19, "phone": 0.12},
        stay_nights=1.8,
        sessions_per_room=3.0,
        ad_budget=110.0,
        growth=0.04,
    ),
)
