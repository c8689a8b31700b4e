"""The MCP server object: the SDK's ``MCPServer`` plus the two things it cannot know about us.

1. Every tool call, resource read and prompt is checked against the caller *now* (over stdio
   the token is re-resolved; over HTTP the gate already did it for this request).
2. Management tools are listed and callable only for owners and admins, and our
   ``IndicateError`` tree becomes tool errors here, once, instead of in every tool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from mcp import MCPError
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import (
    ResourceError,
    ToolError,
    UnexpectedResourceError,
    UnexpectedToolError,
)
from mcp.types import (
    INVALID_PARAMS,
    CallToolResult,
    GetPromptResult,
    InputRequiredResult,
    ToolAnnotations,
)
from mcp.types import Tool as MCPTool
from pydantic import AnyUrl

from indicate_mcp import __version__
from indicate_mcp.errors import IndicateError
from indicate_mcp.server.auth import checked_call, listing_caller

F = TypeVar("F", bound=Callable[..., Any])

INSTRUCTIONS = (
    "Hotel and marketing metrics. Work in this order: list_tenants → list_data_sources → "
    "list_metrics → query_metric. tenant_id may be left out when the token reaches one tenant."
)


class IndicateMCP(MCPServer[Any]):
    def __init__(self) -> None:
        super().__init__(
            "indicate-mcp",
            version=__version__,
            instructions=INSTRUCTIONS,
            log_level="WARNING",
            # Every worker answers every request from the database; nothing to push.
            subscriptions=False,
        )
        self.management: set[str] = set()
        self._listing: list[MCPTool] | None = None

    def management_tool(
        self, *, description: str, destructive: bool = False, read_only: bool = False
    ) -> Callable[[F], F]:
        annotations = ToolAnnotations(
            read_only_hint=read_only,
            destructive_hint=destructive,
            idempotent_hint=read_only,
            open_world_hint=False,
        )
        register = self.tool(description=description, annotations=annotations)

        def decorator(fn: F) -> F:
            self.management.add(fn.__name__)
            return register(fn)

        return decorator

    async def list_tools(self) -> list[MCPTool]:
        if self._listing is None:
            self._listing = [_slim_tool(t) for t in await super().list_tools()]
        tools = self._listing
        caller = await listing_caller()
        if caller is not None and caller.is_manager:
            return tools
        return [t for t in tools if t.name not in self.management]

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        async with checked_call() as principal:
            if name in self.management and not principal.caller.is_manager:
                raise ToolError(
                    f"{name} is only for owners and admins of a tenant this token reaches"
                )
            try:
                return await super().call_tool(name, arguments, context)
            except UnexpectedToolError as exc:
                cause = exc.__cause__
                if isinstance(cause, IndicateError):
                    raise ToolError(f"Error executing tool {name}: {cause.message}") from cause
                raise

    async def read_resource(
        self, uri: AnyUrl | str, context: Context[Any, Any] | None = None
    ) -> Iterable[Any] | InputRequiredResult:
        try:
            async with checked_call():
                return await super().read_resource(uri, context)
        except ToolError as refused:
            raise ResourceError(str(refused)) from refused
        except UnexpectedResourceError as exc:
            if isinstance(exc.__cause__, IndicateError):
                raise ResourceError(exc.__cause__.message) from exc.__cause__
            raise

    async def get_prompt(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        context: Context[Any, Any] | None = None,
    ) -> GetPromptResult | InputRequiredResult:
        async with checked_call():
            known = sorted(p.name for p in await self.list_prompts())
            if name not in known:
                # The SDK reports this as error code 0; a client should see invalid params.
                raise MCPError(
                    INVALID_PARAMS, f"unknown prompt {name!r}; available: {', '.join(known)}"
                )
            return await super().get_prompt(name, arguments, context)


def _slim(schema: Any) -> Any:
    """Drop pydantic's generated ``title`` keys (a third of the bytes, no information for an
    agent), keeping properties that happen to be called ``title``."""
    if isinstance(schema, list):
        return [_slim(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            out[key] = {name: _slim(sub) for name, sub in value.items()}
        else:
            out[key] = _slim(value)
    return out


def _slim_tool(tool: MCPTool) -> MCPTool:
    return tool.model_copy(
        update={
            "input_schema": _slim(tool.input_schema),
            "output_schema": _slim(tool.output_schema) if tool.output_schema else None,
        }
    )
