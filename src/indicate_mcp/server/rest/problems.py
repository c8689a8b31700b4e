"""RFC 9457 problem details: the one place where the project's error tree becomes HTTP.

Every error response of the REST API goes through ``problem()``, so they all share one shape
(``type``, ``title``, ``status``, ``detail``, plus ``code``, ``field``, ``errors`` and
``request_id``) and the OpenAPI document can promise it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from indicate_mcp.errors import AuthenticationFailed, IndicateError, InvalidInput
from indicate_mcp.server.rest.auth import CHALLENGE, BadAuthorization, NoCredentials

log = logging.getLogger("indicate_mcp.rest")

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:indicate-mcp:problem:"

TITLES: dict[str, str] = {
    "invalid_input": "Invalid request",
    "invalid_request": "Invalid request",
    "not_found": "Not found",
    "method_not_allowed": "Method not allowed",
    "permission_denied": "Permission denied",
    "plan_required": "Plan required",
    "conflict": "Conflict",
    "invalid_token": "Unauthorized",
    "missing_token": "Unauthorized",
    "wrong_token_kind": "Wrong token kind",
    "rate_limited": "Too many requests",
    "internal_error": "Internal server error",
}


class FieldError(BaseModel):
    field: str = Field(description="the query parameter, path segment or header at fault")
    message: str
    valid: list[str] | None = Field(default=None, description="what would be accepted")


class Problem(BaseModel):
    """An error, as RFC 9457 describes it."""

    type: str = Field(description=f"{TYPE_PREFIX}<code>")
    title: str
    status: int
    detail: str
    code: str = Field(description="machine-readable; the last part of type")
    field: str | None = None
    errors: list[FieldError] | None = None
    request_id: str | None = None


class ParameterError(InvalidInput):
    """Bad query parameters: one problem that lists every parameter at fault."""

    def __init__(self, message: str, errors: list[FieldError]) -> None:
        super().__init__(message, field=errors[0].field if errors else None)
        self.errors = errors


def request_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def problem(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=TYPE_PREFIX + code,
        title=TITLES.get(code, "Error"),
        status=status,
        detail=detail,
        code=code,
        field=field,
        errors=errors,
        request_id=request_id(request),
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_JSON,
    )


def from_error(request: Request, exc: IndicateError) -> JSONResponse:
    if isinstance(exc, NoCredentials):
        return problem(request, 401, exc.code, exc.message, headers=_challenge(None))
    if isinstance(exc, BadAuthorization):
        headers = _challenge("invalid_request")
        return problem(request, 400, exc.code, exc.message, field=exc.field, headers=headers)
    if isinstance(exc, AuthenticationFailed) and exc.status == 401:
        # The reason stays in the server log and the audit log; the caller learns nothing.
        detail = AuthenticationFailed.public_message
        return problem(request, 401, exc.code, detail, headers=_challenge("invalid_token"))
    errors = exc.errors if isinstance(exc, ParameterError) else None
    return problem(request, exc.status, exc.code, exc.message, field=exc.field, errors=errors)


def _challenge(error: str | None) -> dict[str, str]:
    value = CHALLENGE if error is None else f'{CHALLENGE}, error="{error}"'
    return {"WWW-Authenticate": value}


def internal_error(request: Request, exc: BaseException) -> JSONResponse:
    trace = (type(exc), exc, exc.__traceback__)
    log.error("unhandled error, request %s", request_id(request), exc_info=trace)
    return problem(
        request,
        500,
        "internal_error",
        "The server failed to answer; quote the request_id when you report it.",
    )
