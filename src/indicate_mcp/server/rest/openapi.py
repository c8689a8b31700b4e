"""The OpenAPI 3.1 document, generated from the models the handlers use.

Nothing here restates a field: the schemas come from pydantic (serialisation mode for
responses, validation mode for query parameters), so a change to a model changes the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

import indicate_mcp
from indicate_mcp.metrics import QueryResult
from indicate_mcp.metrics.definitions import METRIC_ID
from indicate_mcp.server.rest.models import (
    DataSourceList,
    MetricList,
    MetricListParams,
    PageParams,
    Params,
    QueryParams,
    SpaceList,
)
from indicate_mcp.server.rest.problems import PROBLEM_JSON, Problem

REF = "#/components/schemas/{model}"
SCHEME_DESCRIPTION = (
    "An API token (Enterprise plan), sent as `Authorization: Bearer <token>`. Format: "
    "`ind_api_<12-character public ID>_<38 base62 characters>`, matching "
    "`ind_api_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}`. "
    "Agent tokens (`ind_agent_…`) are refused with 403."
)


@dataclass(frozen=True, slots=True)
class Operation:
    path: str
    operation_id: str
    summary: str
    params: type[Params] | None
    response: type[BaseModel]
    paginated: bool = False
    path_params: tuple[str, ...] = ()


OPERATIONS: tuple[Operation, ...] = (
    Operation("/spaces", "listSpaces", "Spaces this token reaches", PageParams, SpaceList, True),
    Operation(
        "/spaces/{space_id}/data-sources",
        "listDataSources",
        "Data sources of a space",
        PageParams,
        DataSourceList,
        True,
        ("space_id",),
    ),
    Operation(
        "/spaces/{space_id}/metrics",
        "listMetrics",
        "Metric definitions of a space, with the first and last day of data",
        MetricListParams,
        MetricList,
        True,
        ("space_id",),
    ),
    Operation(
        "/spaces/{space_id}/metrics/{metric_id}/query",
        "queryMetric",
        "A metric's time series, optionally grouped and compared (same engine as MCP)",
        QueryParams,
        QueryResult,
        False,
        ("space_id", "metric_id"),
    ),
)

_PATH_PARAMETERS = {
    "space_id": ("a space ID from GET /spaces", r"^[A-Za-z0-9_]{1,64}$"),
    "metric_id": ("a metric ID from GET /spaces/{space_id}/metrics", METRIC_ID.pattern),
}
_STR = {"type": "string"}
_INT = {"type": "integer"}
_ERRORS = {
    "400": "Invalid or unknown query parameter, or a malformed Authorization header",
    "401": "No API token, or one that is invalid, revoked or expired",
    "403": "An agent token, or an organisation that is not on the Enterprise plan",
    "404": "Unknown path, or a space or metric this token does not reach",
    "429": "The token's per-minute rate limit is used up; retry after Retry-After seconds",
}


def _header(description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": schema}


def _common_headers() -> dict[str, Any]:
    return {"X-Request-ID": _header("echoed when sane, else generated", _STR, True)}


def _rate_headers() -> dict[str, Any]:
    return {
        "X-RateLimit-Limit": _header("requests per minute for this token", _INT),
        "X-RateLimit-Remaining": _header("requests left in this minute", _INT),
        "X-RateLimit-Reset": _header("seconds until the window resets", _INT),
    }


def _query_parameters(model: type[Params]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation", ref_template=REF)
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = _without_null(dict(prop))
        description = prop.pop("description", None)
        prop.pop("title", None)
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _without_null(prop: dict[str, Any]) -> dict[str, Any]:
    # A query parameter is absent or a string, never JSON null: keep only the real type.
    options = prop.pop("anyOf", None)
    if options is not None:
        real = [o for o in options if o.get("type") != "null"]
        prop.update(real[0] if len(real) == 1 else {"anyOf": real})
    if prop.get("default", 0) is None:
        del prop["default"]
    return prop


def _operation(op: Operation) -> dict[str, Any]:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": _PATH_PARAMETERS[name][0],
            "schema": {"type": "string", "pattern": _PATH_PARAMETERS[name][1]},
        }
        for name in op.path_params
    ]
    if op.params is not None:
        parameters += _query_parameters(op.params)
    ok_headers = {**_common_headers(), **_rate_headers()}
    if op.paginated:
        ok_headers["Link"] = _header('<next page URL>; rel="next" when there is one', _STR)
    problem = {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}}
    responses: dict[str, Any] = {
        "200": {
            "description": "OK",
            "headers": ok_headers,
            "content": {
                "application/json": {"schema": {"$ref": REF.format(model=op.response.__name__)}}
            },
        }
    }
    for status, description in _ERRORS.items():
        headers = _common_headers()
        if status == "401":
            headers["WWW-Authenticate"] = _header("Bearer challenge (RFC 6750)", _STR, True)
        if status == "429":
            headers["Retry-After"] = _header("seconds", _INT, True)
            headers.update(_rate_headers())
        responses[status] = {"description": description, "headers": headers, "content": problem}
    return {
        "operationId": op.operation_id,
        "summary": op.summary,
        "parameters": parameters,
        "responses": responses,
    }


def build_document() -> dict[str, Any]:
    models: list[type[BaseModel]] = [Problem, *(op.response for op in OPERATIONS)]
    _, defs = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "indicate-mcp REST data API",
            "version": indicate_mcp.__version__,
            "description": (
                "Read a space's governed metrics with an API token. The same query engine "
                "answers the MCP `query_metric` tool. Errors are RFC 9457 problem details."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"apiToken": []}],
        "paths": {op.path: {"get": _operation(op)} for op in OPERATIONS},
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "apiToken": {"type": "http", "scheme": "bearer", "description": SCHEME_DESCRIPTION}
            },
        },
    }
