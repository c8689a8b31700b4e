"""Property-based tests of the whole REST API from its own OpenAPI document, against a real
uvicorn server on loopback: no 5xx, and every response conforms to the document."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from indicate_mcp.db import Database
from rest_world import RestWorld, build_world, uvicorn_server

pytestmark = pytest.mark.slow

# Bounded for CI; REST_FUZZ_EXAMPLES=1000 for a longer hunt.
MAX_EXAMPLES = int(os.environ.get("REST_FUZZ_EXAMPLES", "60"))
BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@dataclass
class Served:
    base: str
    world: RestWorld

    def operations(self) -> list[Any]:
        schema = schemathesis.openapi.from_url(f"{self.base}/api/v1/openapi.json")
        return [result.ok() for result in schema.get_all_operations()]


@pytest.fixture
def served(db_url: str) -> Iterator[Served]:
    async def seed() -> RestWorld:
        db = Database(db_url)
        try:
            return await build_world(db)
        finally:
            await db.dispose()

    world = asyncio.run(seed())
    with uvicorn_server(db_url) as base:
        yield Served(base, world)


def _real_ids(case: Case, world: RestWorld, data: st.DataObject) -> None:
    """Half the cases aim at a real space and metric, so the engine sees random parameters
    instead of every request stopping at a 404."""
    if case.path_parameters is None or not data.draw(st.booleans(), label="real ids"):
        return
    if "space_id" in case.path_parameters:
        case.path_parameters["space_id"] = data.draw(st.sampled_from([world.hotel, world.lake]))
    if "metric_id" in case.path_parameters:
        metric = st.sampled_from(["occupancy_rate", "room_revenue", "rooms_sold"])
        case.path_parameters["metric_id"] = data.draw(metric)


def _conformance(operation: Any, world: RestWorld, seen: set[int]) -> Callable[[], None]:
    headers = {"Authorization": f"Bearer {world.multi.secret}"}
    # A query has rules no schema states (start before end, group_by among the metric's
    # dimensions, the metric's own data source), answered with a 400 that names them. The
    # lists have none, so there every schema-valid request must be accepted.
    excluded = [positive_data_acceptance] if operation.path.endswith("/query") else []

    @given(case=operation.as_strategy(), data=st.data())
    @BOUNDED
    def run(case: Case, data: st.DataObject) -> None:
        _real_ids(case, world, data)
        response = case.call_and_validate(headers=headers, timeout=30, excluded_checks=excluded)
        assert response.status_code < 500
        seen.add(response.status_code)

    return run


def _refusal(operation: Any, headers: dict[str, str], status: int) -> Callable[[], None]:
    @given(case=operation.as_strategy())
    @settings(BOUNDED, max_examples=10)
    def run(case: Case) -> None:
        response = case.call(headers=headers, timeout=30)
        assert response.status_code == status, response.text
        case.validate_response(response, headers=headers)

    return run


def test_every_operation_conforms_to_the_document(served: Served) -> None:
    operations = served.operations()
    assert len(operations) == 4
    for operation in operations:
        seen: set[int] = set()
        _conformance(operation, served.world, seen)()
        # The fuzzing reached the engine, not only the refusals.
        assert 200 in seen, (operation.path, seen)


def test_refusals_conform_to_the_document(served: Served) -> None:
    """The same operations with an agent token and with none: 401/403 problems, as promised."""
    agent = {"Authorization": f"Bearer {served.world.agent.secret}"}
    for operation in served.operations():
        _refusal(operation, agent, 403)()
        _refusal(operation, {}, 401)()
