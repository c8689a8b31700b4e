"""Request IDs and the access log, as plain ASGI so streaming and errors pass untouched.

The access log names the token by its public ID only (set by the handler on the request
state); it never sees the Authorization header, and it logs the path without the query string
so a token pasted into a URL by mistake is not written down either.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("indicate_mcp.access")

REQUEST_ID = "X-Request-ID"
# Echo a caller's ID only when it is short and plain, so it cannot inject into logs or headers.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")


def incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            try:
                text = value.decode("ascii")
            except UnicodeDecodeError:
                return None
            return text if _SANE_ID.fullmatch(text) else None
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope) or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %s %.1fms token=%s request_id=%s",
                scope["method"],
                scope.get("root_path", "") + _inner_path(scope),
                status,
                (time.perf_counter() - started) * 1000,
                state.get("token_id", "-"),
                request_id,
                extra={
                    "request_id": request_id,
                    "token_id": state.get("token_id"),
                    "status": status,
                },
            )


def _inner_path(scope: Scope) -> str:
    # Starlette keeps the full path in ``path`` and the mount prefix in ``root_path``.
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
