"""MCP over stdio for hosts that start the server themselves (Claude Desktop, VS Code stdio).

The token comes from INDICATE_AGENT_TOKEN and is verified by the same resolver as over HTTP
before a byte of MCP is spoken; it is then re-resolved on every call, so revoking it stops a
running session on its next tool call, as it would over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import os

from indicate_mcp.authority.model import Caller
from indicate_mcp.config import Settings
from indicate_mcp.db.migrate import upgrade
from indicate_mcp.errors import AuthenticationFailed, WrongTokenKind
from indicate_mcp.server.app import build_mcp
from indicate_mcp.server.auth import Principal, set_principal
from indicate_mcp.server.context import ServerContext

TOKEN_ENV = "INDICATE_AGENT_TOKEN"  # noqa: S105 - a variable name, not a secret
USER_AGENT = "indicate-mcp stdio"


class StdioRefused(Exception):
    """Why stdio will not start, in words for the person who configured the host."""


async def serve_stdio(settings: Settings) -> None:
    raw = os.environ.get(TOKEN_ENV, "").strip()
    if not raw:
        raise StdioRefused(
            f"{TOKEN_ENV} is not set. Put an agent token (ind_agent_…) in the environment of "
            'this command, e.g. the "env" block of your MCP client\'s configuration.'
        )
    context = ServerContext.create(settings)
    try:
        await upgrade(context.db)

        async def resolve() -> Caller:
            return await context.resolver.resolve(raw, "mcp", user_agent=USER_AGENT)

        try:
            caller = await resolve()
        except WrongTokenKind as wrong:
            raise StdioRefused(f"{TOKEN_ENV} holds an API token. {wrong.message}") from None
        except AuthenticationFailed:
            raise StdioRefused(
                f"{TOKEN_ENV} was not accepted by the database at {settings.database_url}. "
                "Check that it is the whole token and that it was not revoked or regenerated "
                "(`indicate-mcp tokens list`)."
            ) from None
        set_principal(Principal(caller, None, USER_AGENT, refresh=resolve))
        mcp = build_mcp(context)
        flusher = asyncio.create_task(context.resolver.run_usage_flusher())
        try:
            await mcp.run_stdio_async()
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
    finally:
        await context.db.dispose()
