"""Declarative metrics apply: create, dry run, update with a version bump, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indicate_mcp.db import Database
from indicate_mcp.errors import InvalidInput, NotFound
from indicate_mcp.metrics import get_metric, list_metrics
from indicate_mcp.metrics.apply import apply_metrics
from metrics_support import make_source, make_space

YAML = """
metrics:
  - id: occupancy_rate
    name: Occupancy Rate
    description: Rooms sold over rooms available.
    data_source: PMS
    unit: percent
    aggregation: ratio
    numerator: rooms_sold
    denominator: rooms_available
    multiplier: 100
    dimensions: [room_type]
  - id: room_revenue
    name: Room Revenue
    data_source: PMS
    unit: currency
    currency: EUR
    aggregation: sum
    measure: room_revenue
"""


@pytest.fixture
async def space(db: Database) -> str:
    space_id = await make_space(db)
    await make_source(db, space_id, name="PMS")
    return space_id


async def test_dry_run_plans_without_writing_then_apply_creates(
    db: Database, space: str, tmp_path: Path
) -> None:
    path = tmp_path / "metrics.yaml"
    path.write_text(YAML)
    plan = await apply_metrics(db, space, path, dry_run=True)
    assert [(c.metric_id, c.action, c.version) for c in plan.changes] == [
        ("occupancy_rate", "create", 1),
        ("room_revenue", "create", 1),
    ]
    assert await list_metrics(db, space) == []
    applied = await apply_metrics(db, space, path)
    assert applied.count("create") == 2
    info = await get_metric(db, space, "occupancy_rate")
    assert (info.aggregation, info.multiplier, info.dimensions, info.version) == (
        "ratio",
        100.0,
        ["room_type"],
        1,
    )
    again = await apply_metrics(db, space, path)
    assert [c.action for c in again.changes] == ["unchanged", "unchanged"]


async def test_update_bumps_the_version_and_names_changed_fields(
    db: Database, space: str, tmp_path: Path
) -> None:
    path = tmp_path / "metrics.yaml"
    path.write_text(YAML)
    await apply_metrics(db, space, path)
    edited = tmp_path / "metrics.json"
    entries = [
        {
            "id": "room_revenue",
            "name": "Room Revenue (net)",
            "data_source": "PMS",
            "unit": "currency",
            "currency": "EUR",
            "aggregation": "sum",
            "measure": "room_revenue",
            "dimensions": ["channel"],
            "version": 7,  # ignored: the version is the server's count of changes
        }
    ]
    edited.write_text(json.dumps(entries))
    plan = await apply_metrics(db, space, edited, dry_run=True)
    assert plan.changes[0].model_dump() == {
        "metric_id": "room_revenue",
        "action": "update",
        "version": 2,
        "changed_fields": ["dimensions", "name"],
    }
    assert (await get_metric(db, space, "room_revenue")).version == 1
    await apply_metrics(db, space, edited)
    info = await get_metric(db, space, "room_revenue")
    assert (info.name, info.version) == ("Room Revenue (net)", 2)
    assert (await get_metric(db, space, "occupancy_rate")).version == 1  # not in the file: kept


async def test_invalid_definitions_name_the_file_and_field(
    db: Database, space: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    cases = {
        "- {id: adr, name: ADR, data_source: PMS, unit: currency, aggregation: ratio,"
        " numerator: room_revenue, denominator: rooms_sold}": "needs currency",
        "- {id: adr, name: ADR, data_source: PMS, unit: euro, aggregation: sum,"
        " measure: x}": "metrics[0] (adr).unit: Input should be 'percent', 'currency'",
        "- {id: adr, name: ADR, data_source: PMS, unit: count, aggregation: median,"
        " measure: x}": "aggregation",
        "- {id: adr, name: ADR, data_source: PMS, unit: count, aggregation: sum}": "needs measure",
        "- {id: Bad-Id, name: X, data_source: PMS, unit: count, aggregation: sum,"
        " measure: x}": "lower_snake_case",
        "- {id: adr, name: X, unit: count, aggregation: sum, measure: x}": "data_source: required",
        "- {id: adr, name: X, data_source: PMS, unit: count, aggregation: sum, measure: x}\n"
        "- {id: adr, name: X, data_source: PMS, unit: count, aggregation: sum,"
        " measure: x}": "appears twice",
        "metrics: [unclosed": "not valid YAML at line 1",
    }
    for text, expected in cases.items():
        path.write_text(text)
        with pytest.raises(InvalidInput, match=r"bad\.yaml") as exc:
            await apply_metrics(db, space, path)
        assert expected in exc.value.message, (text, exc.value.message)
    path.write_text(
        "- {id: adr, name: X, data_source: GA, unit: count, aggregation: sum, measure: x}"
    )
    with pytest.raises(NotFound, match=r"valid: src_\w+ \(PMS\)"):
        await apply_metrics(db, space, path)
    other = tmp_path / "metrics.txt"
    other.write_text("")
    with pytest.raises(InvalidInput, match=r"use a \.yaml"):
        await apply_metrics(db, space, other)
    assert await list_metrics(db, space) == []
