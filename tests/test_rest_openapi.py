"""The OpenAPI document is generated from the handlers' own models and stays valid 3.1."""

from __future__ import annotations

from typing import get_args

import jsonschema
import pytest
from pydantic.json_schema import models_json_schema

from indicate_mcp.authority.tokens import TOKEN_PATTERN
from indicate_mcp.metrics import COMPARE_MODES, GRANULARITIES, QueryRequest, QueryResult
from indicate_mcp.metrics.query import MAX_LIMIT
from indicate_mcp.server.rest.models import (
    CompareParam,
    GranularityParam,
    MetricListParams,
    QueryParams,
)
from indicate_mcp.server.rest.openapi import OPERATIONS, REF, build_document


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    return build_document()


def test_paths_and_security(document: dict) -> None:
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/spaces",
        "/spaces/{space_id}/data-sources",
        "/spaces/{space_id}/metrics",
        "/spaces/{space_id}/metrics/{metric_id}/query",
    }
    scheme = document["components"]["securitySchemes"]["apiToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert "ind_api_" in scheme["description"]
    assert document["security"] == [{"apiToken": []}]


def test_schemas_are_the_models(document: dict) -> None:
    """No hand-kept copy: every component equals what pydantic generates from the model."""
    _, defs = models_json_schema([(QueryResult, "serialization")], ref_template=REF)
    for name, schema in defs["$defs"].items():
        assert document["components"]["schemas"][name] == schema
    query = document["paths"]["/spaces/{space_id}/metrics/{metric_id}/query"]["get"]
    ok = query["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/QueryResult"}


def test_query_parameters_follow_the_models(document: dict) -> None:
    for op in OPERATIONS:
        params = document["paths"][op.path]["get"]["parameters"]
        assert op.params is not None
        query_names = [p["name"] for p in params if p["in"] == "query"]
        assert query_names == list(op.params.model_fields)
    query = document["paths"]["/spaces/{space_id}/metrics/{metric_id}/query"]["get"]
    by_name = {p["name"]: p for p in query["parameters"]}
    assert by_name["granularity"]["schema"]["enum"] == list(GRANULARITIES)
    assert by_name["limit"]["schema"]["maximum"] == MAX_LIMIT
    assert by_name["start_date"]["schema"] == {"type": "string", "format": "date"}
    assert "data_source_id" in by_name


def test_query_params_mirror_the_engine_request() -> None:
    assert get_args(GranularityParam) == GRANULARITIES
    assert get_args(CompareParam) == COMPARE_MODES
    engine_fields = set(QueryRequest.model_fields) - {"metric_id"}
    assert set(QueryParams.model_fields) == engine_fields
    assert "data_source_id" in MetricListParams.model_fields


def test_every_error_is_a_documented_problem(document: dict) -> None:
    for path in document["paths"].values():
        responses = path["get"]["responses"]
        for status in ("400", "401", "403", "404", "429"):
            content = responses[status]["content"]
            assert content == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }
            assert responses[status]["headers"]["X-Request-ID"]["required"] is True
        assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True
        assert responses["429"]["headers"]["Retry-After"]["required"] is True


def test_components_are_valid_json_schema(document: dict) -> None:
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_token_pattern_in_the_description_matches_the_format(document: dict) -> None:
    description = document["components"]["securitySchemes"]["apiToken"]["description"]
    assert "[0-9A-Za-z]{12}_[0-9A-Za-z]{38}" in description
    assert "[0-9A-Za-z]{12}_[0-9A-Za-z]{38}" in TOKEN_PATTERN
