"""Who is calling: one ASGI gate for the MCP transports, one contextvar for every tool.

Every HTTP request to /mcp, /sse or /messages/ is resolved afresh by the authority's resolver,
so revocation, account deletion or a removed membership bite on the very next request, on any
worker. Over stdio the process holds one token and re-resolves it on every tool call.

Responses follow RFC 6750 §3.1: no credentials → 401 with a bare ``Bearer`` challenge (no
``error``); refused credentials → 401 ``error="invalid_token"``; an unreadable header → 400
``error="invalid_request"``. The body never says why a token was refused (the reason goes to
the log and the audit log). No ``resource_metadata`` pointer is sent, see ``discovery``.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from mcp.server.auth.middleware.auth_context import auth_context_var
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ConfigDict
from starlette.authentication import AuthCredentials
from starlette.types import ASGIApp, Receive, Scope, Send

from indicate_mcp.authority.model import Caller
from indicate_mcp.authority.resolver import Resolver
from indicate_mcp.errors import AuthenticationFailed, IndicateError, WrongTokenKind

log = logging.getLogger("indicate_mcp.server.auth")

MAX_AUTH_HEADER = 8192
PROTECTED_PATHS = ("/mcp", "/sse", "/messages")
NOT_ACCEPTED = "The access token was not accepted. Create or regenerate an agent token."
MISSING = "Send an agent token in the header: Authorization: Bearer ind_agent_…"


class IndicateAccessToken(AccessToken):
    """The SDK's view of our caller. ``client_id`` = token ID and ``subject`` = account ID, so
    an SSE session stays bound to the token that opened it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    caller: Caller


@dataclass(frozen=True, slots=True)
class Principal:
    caller: Caller
    client_ip: str | None = None
    user_agent: str | None = None
    # Set over stdio, where one token serves a long-lived process: re-resolves it per call.
    refresh: Callable[[], Awaitable[Caller]] | None = None


_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "indicate_principal", default=None
)


def set_principal(principal: Principal) -> tuple[AuthenticatedUser, Callable[[], None]]:
    """Publish the caller to our contextvar and to the SDK's (so ``get_access_token()`` works);
    returns the SDK user and a function that undoes both."""
    token = IndicateAccessToken(
        token="",
        client_id=principal.caller.token_id,
        subject=principal.caller.account_id,
        scopes=["mcp"],
        caller=principal.caller,
    )
    user = AuthenticatedUser(token)
    sdk_reset = auth_context_var.set(user)
    ours_reset = _principal.set(principal)

    def undo() -> None:
        _principal.reset(ours_reset)
        auth_context_var.reset(sdk_reset)

    return user, undo


async def _verified() -> Principal:
    principal = _principal.get()
    if principal is None:
        raise ToolError(MISSING)
    if principal.refresh is None:
        return principal  # HTTP: the gate resolved it for this very request
    try:
        caller = await principal.refresh()
    except IndicateError as refused:
        log.info("stdio token refused on re-check")
        raise ToolError(NOT_ACCEPTED) from refused
    return replace(principal, caller=caller, refresh=None)


@asynccontextmanager
async def checked_call() -> AsyncIterator[Principal]:
    """Verify the caller once for this tool call, resource read or prompt, and publish the
    result to everything the call runs."""
    principal = await _verified()
    reset = _principal.set(principal)
    try:
        yield principal
    finally:
        _principal.reset(reset)


def checked_principal() -> Principal:
    principal = _principal.get()
    if principal is None or principal.refresh is not None:
        raise ToolError(MISSING)
    return principal


def checked_caller() -> Caller:
    return checked_principal().caller


async def listing_caller() -> Caller | None:
    """For tools/list: the caller if there is one and it is still accepted."""
    try:
        return (await _verified()).caller
    except ToolError:
        return None


def _header(scope: Scope, name: bytes) -> list[bytes]:
    return [v for k, v in scope.get("headers", ()) if k.lower() == name]


class BearerGate:
    """Pure ASGI, so it adds nothing to the streaming responses it lets through."""

    def __init__(self, app: ASGIApp, resolver: Resolver) -> None:
        self.app = app
        self.resolver = resolver

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PROTECTED_PATHS):
            await self.app(scope, receive, send)
            return
        values = _header(scope, b"authorization")
        if not values:
            await _refuse(send, 401, "Bearer", "unauthorized", MISSING)
            return
        raw = values[0]
        if len(values) > 1 or len(raw) > MAX_AUTH_HEADER or not _printable(raw):
            await _refuse(
                send,
                400,
                'Bearer error="invalid_request"',
                "invalid_request",
                "The Authorization header could not be read; send exactly one, "
                "Authorization: Bearer <agent token>",
            )
            return
        scheme, _, secret = raw.decode("ascii").strip().partition(" ")
        if scheme.lower() != "bearer":
            await _refuse(send, 401, "Bearer", "unauthorized", MISSING)
            return
        ua = _header(scope, b"user-agent")
        client = scope.get("client")
        client_ip = client[0] if client else None
        user_agent = ua[0].decode("latin-1")[:512] if ua else None
        try:
            caller = await self.resolver.resolve(
                secret.strip(), "mcp", client_ip=client_ip, user_agent=user_agent
            )
        except WrongTokenKind as wrong:
            await _refuse(send, 403, None, "wrong_token_kind", wrong.message)
            return
        except AuthenticationFailed:
            await _refuse(send, 401, 'Bearer error="invalid_token"', "invalid_token", NOT_ACCEPTED)
            return
        except IndicateError as other:  # PlanRequired and friends: say what would be valid
            await _refuse(send, other.status, None, other.code, other.message)
            return
        except Exception:  # the database is down: a retryable answer, not a 500 with a trace
            log.exception("could not verify a token")
            await _refuse(send, 503, None, "unavailable", "Try again in a moment.")
            return
        user, undo = set_principal(Principal(caller, client_ip, user_agent))
        scope["user"] = user
        scope["auth"] = AuthCredentials(["mcp"])
        try:
            await self.app(scope, receive, send)
        finally:
            undo()


def _printable(raw: bytes) -> bool:
    return all(0x20 <= b < 0x7F for b in raw)


async def _refuse(
    send: Send, status: int, challenge: str | None, error: str, description: str
) -> None:
    body = json.dumps({"error": error, "error_description": description}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if challenge is not None:
        headers.append((b"www-authenticate", challenge.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
