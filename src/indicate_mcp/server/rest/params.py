"""Query parameters → a validated model, or one 400 that names every parameter at fault and
what it would accept. Unknown parameters are refused, not ignored: a typo such as
``granularty=month`` would otherwise silently return daily data."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import ValidationError
from starlette.datastructures import QueryParams

from indicate_mcp.server.rest.models import Params
from indicate_mcp.server.rest.problems import FieldError, ParameterError

P = TypeVar("P", bound=Params)


@cache
def _hints(model: type[Params]) -> dict[str, list[str]]:
    """Per field, the valid values (an enum) or a one-line description of the accepted form."""
    hints: dict[str, list[str]] = {}
    for name, prop in model.model_json_schema()["properties"].items():
        options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
        enum = [str(v) for o in options for v in o.get("enum", [])]
        if "const" in prop:
            enum = [str(prop["const"])]
        hints[name] = enum or ([prop["description"]] if "description" in prop else [])
    return hints


def parse_params(query: QueryParams, model: type[P]) -> P:
    valid = list(model.model_fields)
    names = [name for name, _ in query.multi_items()]
    unknown = sorted({n for n in names if n not in model.model_fields})
    if unknown:
        listed = ", ".join(valid)
        raise ParameterError(
            f"unknown query parameter(s): {', '.join(unknown)}; valid: {listed}",
            [FieldError(field=n, message="unknown parameter", valid=valid) for n in unknown],
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ParameterError(
            f"query parameter(s) given more than once: {', '.join(repeated)}",
            [FieldError(field=n, message="give it once") for n in repeated],
        )
    try:
        return model.model_validate(dict(query))
    except ValidationError as exc:
        raise _translate(exc, model) from None


def _translate(exc: ValidationError, model: type[Params]) -> ParameterError:
    hints = _hints(model)
    errors: list[FieldError] = []
    for error in exc.errors(include_url=False, include_input=False):
        loc: tuple[Any, ...] = error["loc"]
        field = str(loc[0]) if loc else "query"
        if any(e.field == field for e in errors):
            continue  # one message per field: pydantic reports each union branch
        errors.append(FieldError(field=field, message=error["msg"], valid=hints.get(field)))
    summary = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return ParameterError(f"invalid query parameter(s): {summary}", errors)
