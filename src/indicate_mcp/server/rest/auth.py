"""Bearer credentials (RFC 6750): read the header, hand the token to the one resolver.

The surface only parses; verification, the plan check and the audit of refusals live in
``authority.resolver``. RFC 6750 §3.1: a request without credentials, or with another scheme,
gets a challenge *without* an error code; a refused bearer token gets ``invalid_token``.
"""

from __future__ import annotations

from starlette.requests import Request

from indicate_mcp.authority.model import Caller
from indicate_mcp.errors import AuthenticationFailed, InvalidInput
from indicate_mcp.server.context import ServerContext

CHALLENGE = 'Bearer realm="indicate-mcp"'
USER_AGENT_MAX = 256  # the audit log keeps it; an unbounded header must not bloat it


class NoCredentials(AuthenticationFailed):
    """No bearer token at all: challenge without an error code."""

    code = "missing_token"

    def __init__(self) -> None:
        super().__init__("no_credentials")
        self.message = (
            "This API needs an API token: send the header 'Authorization: Bearer ind_api_…'."
        )


class BadAuthorization(InvalidInput):
    """A request we cannot read as one bearer credential (RFC 6750 ``invalid_request``)."""

    code = "invalid_request"


def bearer_token(request: Request) -> str:
    values = request.headers.getlist("authorization")
    if not values:
        raise NoCredentials()
    if len(values) > 1:
        raise BadAuthorization("send exactly one Authorization header", field="Authorization")
    scheme, _, credentials = values[0].strip().partition(" ")
    if scheme.lower() != "bearer":
        raise NoCredentials()
    # Anything after the scheme goes to the resolver, which rejects malformed, oversized or
    # binary values by shape before any I/O; they all get the same generic 401.
    return credentials.strip()


async def authenticate(request: Request, context: ServerContext) -> Caller:
    raw = bearer_token(request)
    user_agent = request.headers.get("user-agent")
    return await context.resolver.resolve(
        raw,
        "api",
        client_ip=request.client.host if request.client else None,
        user_agent=user_agent[:USER_AGENT_MAX] if user_agent else None,
    )
