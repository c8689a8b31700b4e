"""The query engine against small hand-made data sets; every expected value is worked out by
hand in the test, not by the code under test."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from indicate_mcp.db import Database
from indicate_mcp.errors import InvalidInput, NotFound
from indicate_mcp.metrics import QueryRequest, get_metric, list_metrics, query_metric
from metrics_support import day, make_source, make_space, put_metric, put_values, totals

TODAY = day("2025-06-01")


@dataclass
class Hotel:
    db: Database
    space: str
    source: str

    async def query(self, metric_id: str, **kwargs: object) -> object:
        request = QueryRequest(metric_id=metric_id, **kwargs)  # type: ignore[arg-type]
        return await query_metric(self.db, self.space, request, today=TODAY)


@pytest.fixture
async def hotel(db: Database) -> Hotel:
    space = await make_space(db)
    source = await make_source(db, space)
    await put_metric(
        db,
        space,
        source,
        id="occupancy",
        name="Occupancy Rate",
        unit="percent",
        aggregation="ratio",
        numerator="rooms_sold",
        denominator="rooms_available",
        multiplier=100,
        dimensions=["room_type"],
    )
    await put_metric(
        db,
        space,
        source,
        id="reservations",
        name="Reservations",
        unit="count",
        aggregation="sum",
        measure="reservations",
        dimensions=["channel"],
    )
    for agg in ("average", "min", "max", "last"):
        await put_metric(
            db,
            space,
            source,
            id=f"price_{agg}",
            name=f"Price {agg}",
            unit="currency",
            currency="EUR",
            aggregation=agg,
            measure="price",
            dimensions=["channel"],
        )
    return Hotel(db, space, source)


async def test_ratio_is_recomputed_per_bucket_not_averaged(hotel: Hotel) -> None:
    # Mon-Wed of one ISO week: 10/100, 90/100, 50/50 -> daily 10 %, 90 %, 100 %.
    await put_values(
        hotel.db,
        hotel.source,
        totals("rooms_sold", "2024-01-08", [10, 90, 50])
        + totals("rooms_available", "2024-01-08", [100, 100, 50]),
    )
    result = await hotel.query(
        "occupancy", start_date="2024-01-08", end_date="2024-01-14", granularity="week"
    )
    assert [p.value for p in result.series] == [pytest.approx(60.0)]  # 150 / 250, not 66.7
    assert result.total == pytest.approx(60.0)
    daily = await hotel.query("occupancy", start_date="2024-01-08", end_date="2024-01-10")
    assert [p.value for p in daily.series] == [
        pytest.approx(10.0),
        pytest.approx(90.0),
        pytest.approx(100.0),
    ]


async def test_iso_weeks_across_a_year_boundary(hotel: Hotel) -> None:
    # 2024-12-28 (Sat) .. 2025-01-05 (Sun), values 1..9.
    await put_values(
        hotel.db, hotel.source, totals("reservations", "2024-12-28", list(range(1, 10)))
    )
    result = await hotel.query(
        "reservations", start_date="2024-12-28", end_date="2025-01-05", granularity="week"
    )
    assert [(p.date, p.value, p.partial) for p in result.series] == [
        (day("2024-12-23"), 3.0, True),  # Sat + Sun of the week starting Mon 23 Dec
        (day("2024-12-30"), 42.0, False),  # 3+4+...+9, ISO week 1 of 2025
    ]
    assert result.total == 45.0


async def test_month_quarter_and_year_buckets_with_partial_edges(hotel: Hotel) -> None:
    await put_values(
        hotel.db,
        hotel.source,
        [
            ("reservations", "2024-03-31", 5, "", ""),
            ("reservations", "2024-04-01", 7, "", ""),
            ("reservations", "2024-06-30", 11, "", ""),
            ("reservations", "2024-07-01", 13, "", ""),
        ],
    )
    window = {"start_date": "2024-03-01", "end_date": "2024-07-15"}
    quarter = await hotel.query("reservations", granularity="quarter", **window)
    assert [(p.date, p.value, p.partial) for p in quarter.series] == [
        (day("2024-01-01"), 5.0, True),
        (day("2024-04-01"), 18.0, False),
        (day("2024-07-01"), 13.0, True),
    ]
    month = await hotel.query("reservations", granularity="month", **window)
    assert [(p.date.isoformat(), p.value, p.partial) for p in month.series] == [
        ("2024-03-01", 5.0, False),
        ("2024-04-01", 7.0, False),
        ("2024-05-01", None, False),  # no data: a gap, not a zero
        ("2024-06-01", 11.0, False),
        ("2024-07-01", 13.0, True),
    ]
    year = await hotel.query("reservations", granularity="year", **window)
    assert [(p.date, p.value, p.partial) for p in year.series] == [(day("2024-01-01"), 36.0, True)]


async def test_previous_year_handles_29_february(hotel: Hotel) -> None:
    await put_values(
        hotel.db,
        hotel.source,
        [
            ("reservations", "2023-02-28", 8, "", ""),
            ("reservations", "2023-03-01", 15, "", ""),
            ("reservations", "2024-02-28", 10, "", ""),
            ("reservations", "2024-02-29", 20, "", ""),
            ("reservations", "2024-03-01", 30, "", ""),
        ],
    )
    result = await hotel.query(
        "reservations", start_date="2024-02-28", end_date="2024-03-01", compare="previous_year"
    )
    comparison = result.comparison
    assert comparison is not None
    assert (comparison.start_date, comparison.end_date) == (day("2023-02-28"), day("2023-03-01"))
    assert [
        (c.date.isoformat(), c.previous_date.isoformat(), c.absolute_change, c.relative_change)
        for c in comparison.change
    ] == [
        ("2024-02-28", "2023-02-28", 2.0, 0.25),
        ("2024-02-29", "2023-02-28", 12.0, 1.5),
        ("2024-03-01", "2023-03-01", 15.0, 1.0),
    ]
    assert comparison.total == 23.0
    assert comparison.total_change.absolute_change == 37.0
    leap = await hotel.query(
        "reservations", start_date="2024-02-29", end_date="2024-02-29", compare="previous_year"
    )
    assert leap.comparison is not None
    assert leap.comparison.start_date == leap.comparison.end_date == day("2023-02-28")


async def test_previous_period_is_the_same_length_just_before(hotel: Hotel) -> None:
    await put_values(
        hotel.db, hotel.source, totals("reservations", "2024-01-01", [1] * 7 + [2] * 7)
    )
    result = await hotel.query(
        "reservations",
        start_date="2024-01-08",
        end_date="2024-01-14",
        granularity="week",
        compare="previous_period",
    )
    assert result.comparison is not None
    assert result.comparison.start_date == day("2024-01-01")
    assert result.comparison.end_date == day("2024-01-07")
    change = result.comparison.change[0]
    assert (change.value, change.previous, change.absolute_change) == (14.0, 7.0, 7.0)
    assert change.relative_change == pytest.approx(1.0)


async def test_division_by_zero_is_no_value(hotel: Hotel) -> None:
    await put_values(
        hotel.db,
        hotel.source,
        totals("rooms_sold", "2024-01-01", [0, 0, 5])
        + totals("rooms_available", "2024-01-01", [0, 0, 10])
        + totals("reservations", "2024-01-01", [0, 4]),
    )
    result = await hotel.query("occupancy", start_date="2024-01-01", end_date="2024-01-03")
    assert [p.value for p in result.series] == [None, None, 50.0]
    assert result.total == 50.0  # 5 / 10 over the range
    zero_week = await hotel.query(
        "occupancy", start_date="2024-01-01", end_date="2024-01-02", granularity="week"
    )
    assert zero_week.series[0].value is None
    grew = await hotel.query(
        "reservations", start_date="2024-01-02", end_date="2024-01-02", compare="previous_period"
    )
    assert grew.comparison is not None
    change = grew.comparison.change[0]
    assert (change.previous, change.absolute_change, change.relative_change) == (0.0, 4.0, None)


async def test_average_min_max_and_last_use_days_with_data(hotel: Hotel) -> None:
    # Week of Mon 2024-01-08: data on Mon 10, Wed 20, Fri 60; nothing at the weekend.
    await put_values(
        hotel.db,
        hotel.source,
        [
            ("price", "2024-01-08", 10, "", ""),
            ("price", "2024-01-10", 20, "", ""),
            ("price", "2024-01-12", 60, "", ""),
            ("price", "2024-01-15", 99, "", ""),
        ],
    )
    window = {"start_date": "2024-01-08", "end_date": "2024-01-14", "granularity": "week"}
    expected = {"price_average": 30.0, "price_min": 10.0, "price_max": 60.0, "price_last": 60.0}
    for metric_id, value in expected.items():
        result = await hotel.query(metric_id, **window)
        assert [p.value for p in result.series] == [value], metric_id
    month = await hotel.query(
        "price_last", start_date="2024-01-01", end_date="2024-01-31", granularity="month"
    )
    assert month.series[0].value == 99.0  # the 15th is the last day with data in January


async def test_group_by_sorts_groups_and_last_works_per_group(hotel: Hotel) -> None:
    rows = [
        ("reservations", "2024-01-01", 5, "", ""),
        ("reservations", "2024-01-01", 3, "channel", "direct"),
        ("reservations", "2024-01-01", 2, "channel", "expedia"),
        ("reservations", "2024-01-02", 6, "", ""),
        ("reservations", "2024-01-02", 1, "channel", "direct"),
        ("reservations", "2024-01-02", 5, "channel", "expedia"),
        ("price", "2024-01-01", 100, "channel", "direct"),
        ("price", "2024-01-02", 120, "channel", "direct"),
        ("price", "2024-01-01", 90, "channel", "expedia"),
        ("price", "2024-01-02", 80, "", ""),
    ]
    await put_values(hotel.db, hotel.source, rows)
    window = {"start_date": "2024-01-01", "end_date": "2024-01-02"}
    result = await hotel.query("reservations", group_by="channel", **window)
    assert result.groups is not None
    assert [(g.value, g.total, [p.value for p in g.series]) for g in result.groups] == [
        ("expedia", 7.0, [2.0, 5.0]),
        ("direct", 4.0, [3.0, 1.0]),
    ]
    last = await hotel.query("price_last", group_by="channel", granularity="month", **window)
    assert last.groups is not None
    assert {g.value: g.series[0].value for g in last.groups} == {"direct": 120.0, "expedia": 90.0}
    assert last.series[0].value == 80.0


async def test_ratio_per_group(hotel: Hotel) -> None:
    rows = [
        ("rooms_sold", "2024-01-01", 30, "room_type", "double"),
        ("rooms_available", "2024-01-01", 40, "room_type", "double"),
        ("rooms_sold", "2024-01-02", 10, "room_type", "double"),
        ("rooms_available", "2024-01-02", 40, "room_type", "double"),
        ("rooms_sold", "2024-01-01", 0, "room_type", "suite"),
        ("rooms_available", "2024-01-01", 0, "room_type", "suite"),
    ]
    await put_values(hotel.db, hotel.source, rows + totals("rooms_sold", "2024-01-01", [30, 10]))
    await put_values(hotel.db, hotel.source, totals("rooms_available", "2024-01-01", [40, 40]))
    result = await hotel.query(
        "occupancy", start_date="2024-01-01", end_date="2024-01-02", group_by="room_type"
    )
    assert result.groups is not None
    assert [(g.value, g.total) for g in result.groups] == [("double", 50.0), ("suite", None)]


async def test_limit_cuts_the_answer_and_says_so(hotel: Hotel) -> None:
    rows = totals("reservations", "2024-01-01", [1.0] * 10)
    rows += [(m, d, v, "channel", "direct") for m, d, v, _, _ in rows]
    await put_values(hotel.db, hotel.source, rows)
    window = {"start_date": "2024-01-01", "end_date": "2024-01-10"}
    result = await hotel.query("reservations", limit=4, **window)
    assert result.truncated and len(result.series) == 4
    assert result.total == 10.0  # the total is over the whole range, not the cut series
    assert any("limit=4" in note for note in result.notes)
    grouped = await hotel.query("reservations", limit=6, group_by="channel", **window)
    assert grouped.truncated and grouped.groups is not None
    assert len(grouped.series) == 3 and len(grouped.groups[0].series) == 3  # 6 // (1 + 1)
    whole = await hotel.query("reservations", limit=10, **window)
    assert not whole.truncated and len(whole.series) == 10


async def test_empty_answers_say_why(hotel: Hotel) -> None:
    nothing = await hotel.query("reservations", start_date="2024-01-01", end_date="2024-01-31")
    assert nothing.series == [] and nothing.total is None
    assert nothing.empty_reason is not None and "no data yet" in nothing.empty_reason
    await put_values(hotel.db, hotel.source, totals("reservations", "2024-03-01", [1, 1]))
    await put_values(hotel.db, hotel.source, totals("reservations", "2024-06-01", [1]))
    before = await hotel.query("reservations", start_date="2024-01-01", end_date="2024-01-31")
    assert before.empty_reason is not None and "starts on 2024-03-01" in before.empty_reason
    after = await hotel.query("reservations", start_date="2024-07-01", end_date="2024-07-31")
    assert after.empty_reason is not None and "latest data" in after.empty_reason
    assert "2024-06-01" in after.empty_reason
    gap = await hotel.query("reservations", start_date="2024-04-01", end_date="2024-04-30")
    assert gap.empty_reason is not None and "gap" in gap.empty_reason


async def test_default_range_is_the_last_30_days_of_data(hotel: Hotel) -> None:
    await put_values(hotel.db, hotel.source, totals("reservations", "2024-01-01", [1.0] * 91))
    result = await hotel.query("reservations")  # data ends 2024-03-31, before TODAY
    assert (result.start_date, result.end_date) == (day("2024-03-02"), day("2024-03-31"))
    assert len(result.series) == 30 and result.total == 30.0
    info = await get_metric(hotel.db, hotel.space, "reservations")
    assert (info.first_date, info.last_date) == (day("2024-01-01"), day("2024-03-31"))


async def test_default_end_is_today_when_data_runs_past_it(hotel: Hotel) -> None:
    await put_values(hotel.db, hotel.source, totals("reservations", "2025-05-01", [1.0] * 90))
    result = await hotel.query("reservations")
    assert result.end_date == TODAY
    assert any("data continues to" in note for note in result.notes)


async def test_sql_buckets_agree_with_calendar_on_every_granularity(hotel: Hotel) -> None:
    # One value per day over two years and a bit, value = 1, so each bucket holds its day count.
    await put_values(hotel.db, hotel.source, totals("reservations", "2023-11-20", [1.0] * 800))
    expected = {
        "week": (day("2023-11-20"), 7.0),
        "month": (day("2023-12-01"), 31.0),
        "quarter": (day("2024-01-01"), 91.0),  # leap year: 31 + 29 + 31
        "year": (day("2024-01-01"), 366.0),
    }
    for granularity, (first_full, size) in expected.items():
        result = await hotel.query(
            "reservations",
            start_date="2023-11-20",
            end_date="2026-01-27",
            granularity=granularity,
            limit=10_000,
        )
        by_date = {p.date: p.value for p in result.series}
        assert by_date[first_full] == size, granularity
        assert sum(v for v in by_date.values() if v) == 800.0


async def test_invalid_requests_name_what_is_valid(hotel: Hotel) -> None:
    with pytest.raises(NotFound, match="valid metric IDs: occupancy, price_average"):
        await hotel.query("occupancy_rate")
    with pytest.raises(InvalidInput, match="valid dimensions: channel") as exc:
        await hotel.query("reservations", group_by="room_type")
    assert exc.value.field == "group_by"
    with pytest.raises(InvalidInput, match="day, week, month, quarter, year"):
        await hotel.query("reservations", granularity="hour")
    with pytest.raises(InvalidInput, match="previous_period, previous_year"):
        await hotel.query("reservations", compare="last_week")
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        await hotel.query("reservations", start_date="01/02/2024")
    with pytest.raises(InvalidInput, match="real calendar date"):
        await hotel.query("reservations", start_date="2023-02-29")
    with pytest.raises(InvalidInput, match="between 1900-01-01 and 2999-12-31"):
        await hotel.query("reservations", start_date="0001-01-01", compare="previous_period")
    with pytest.raises(InvalidInput, match="after end_date"):
        await hotel.query("reservations", start_date="2024-02-02", end_date="2024-02-01")
    with pytest.raises(InvalidInput, match="between 1 and 10000"):
        await hotel.query("reservations", limit=0)
    with pytest.raises(InvalidInput, match="belongs to data source"):
        await hotel.query("reservations", data_source_id="src_other")


async def test_list_metrics_reports_spans_and_result_is_json(hotel: Hotel) -> None:
    await put_values(
        hotel.db,
        hotel.source,
        totals("rooms_sold", "2024-01-05", [1, 2])
        + totals("rooms_available", "2024-01-01", [5] * 9),
    )
    metrics = {m.id: m for m in await list_metrics(hotel.db, hotel.space)}
    assert (metrics["occupancy"].first_date, metrics["occupancy"].last_date) == (
        day("2024-01-05"),
        day("2024-01-06"),
    )
    assert metrics["reservations"].first_date is None
    only = await list_metrics(hotel.db, hotel.space, data_source_id=hotel.source)
    assert len(only) == len(metrics)
    result = await hotel.query("occupancy", start_date="2024-01-05", end_date="2024-01-06")
    assert result.model_dump(mode="json")["series"][0] == {
        "date": "2024-01-05",
        "value": 20.0,
        "partial": False,
    }


async def test_ratio_sums_both_parts_over_the_same_days(hotel: Hotel) -> None:
    await put_metric(
        hotel.db,
        hotel.space,
        hotel.source,
        id="cancellation_rate",
        name="Cancellation Rate",
        unit="percent",
        aggregation="ratio",
        numerator="cancellations",
        denominator="reservations",
        multiplier=100,
    )
    # Reservations on the books for four days; cancellations known for the first two only.
    await put_values(
        hotel.db,
        hotel.source,
        totals("reservations", "2024-01-08", [10, 10, 10, 10])
        + totals("cancellations", "2024-01-08", [1, 1]),
    )
    result = await hotel.query(
        "cancellation_rate", start_date="2024-01-08", end_date="2024-01-14", granularity="week"
    )
    assert result.series[0].value == pytest.approx(10.0)  # 2 / 20, not 2 / 40


async def test_a_huge_range_is_cut_without_building_every_bucket(hotel: Hotel) -> None:
    await put_values(hotel.db, hotel.source, totals("reservations", "2024-01-01", [1.0, 2.0]))
    result = await hotel.query(
        "reservations",
        start_date="1900-01-01",
        end_date="2999-12-31",
        limit=3,
        compare="previous_period",
    )
    assert result.truncated and [p.date for p in result.series] == [
        day("1900-01-01"),
        day("1900-01-02"),
        day("1900-01-03"),
    ]
    assert result.total == 3.0
    assert any("of 401767 buckets" in note for note in result.notes)
    assert result.comparison is not None and len(result.comparison.series) == 4


async def test_compare_with_group_by_changes_each_groups_total(hotel: Hotel) -> None:
    def ch(d: str, v: float, name: str) -> tuple[str, str, float, str, str]:
        return ("reservations", d, v, "channel", name)

    now = [ch("2025-01-01", 3, "direct"), ch("2025-01-02", 1, "direct"),
           ch("2025-01-01", 2, "expedia"), ch("2025-01-02", 5, "expedia")]  # fmt: skip
    then = [ch("2024-01-01", 2, "direct"), ch("2024-01-02", 3, "direct"),
            ch("2024-01-01", 0, "expedia"), ch("2024-01-02", 0, "expedia"),
            ch("2024-01-01", 9, "phone")]  # fmt: skip
    rows = now + then
    rows += totals("reservations", "2025-01-01", [5, 6]) + totals(
        "reservations", "2024-01-01", [11, 3]
    )
    await put_values(hotel.db, hotel.source, rows)
    result = await hotel.query(
        "reservations", start_date="2025-01-01", end_date="2025-01-02",
        group_by="channel", compare="previous_year",
    )  # fmt: skip
    assert result.groups is not None
    changes = {
        g.value: (g.total, g.total_change.previous, g.total_change.absolute_change,
                  g.total_change.relative_change)
        for g in result.groups if g.total_change is not None
    }  # fmt: skip
    # by hand: direct 3+1=4 against 2+3=5 -> -1, -20 %; expedia 7 against 0 -> +7, no ratio
    assert changes == {"expedia": (7.0, 0.0, 7.0, None), "direct": (4.0, 5.0, -1.0, -0.2)}
    assert result.comparison is not None and result.comparison.total == 14.0  # 11 + 3
    plain = await hotel.query("reservations", start_date="2025-01-01", end_date="2025-01-02",
                              group_by="channel")  # fmt: skip
    assert plain.groups is not None and all(g.total_change is None for g in plain.groups)
