"""n8n's MCP Client Tool node, LangChain and the OpenAI Agents SDK."""

from __future__ import annotations

import json

from indicate_mcp.clients._common import (
    SECRET_NOTE,
    TOKEN_ENV,
    ClientConfig,
    mcp_url,
    sse_url,
)

# Snippets read the token from the environment even when it is known: code gets committed,
# and a KeyError at start is a louder failure than a stale token in a file.
_HEADERS = f'{{"Authorization": f"Bearer {{os.environ[\'{TOKEN_ENV}\']}}"}}'
_PY_NOTE = f"Set {TOKEN_ENV} in the environment first; the snippet never holds the token."


def n8n_settings(*, base_url: str, token: str | None) -> ClientConfig:
    secret = token if token is not None else "your agent token (shown once, at creation)"
    content = f"""\
MCP Client Tool node (n8n 1.104 or later; also the MCP Client node)
  Endpoint:          {mcp_url(base_url)}
  Server Transport:  HTTP Streamable
  Authentication:    Bearer Auth → new credential, Bearer Token: {secret}
  Tools to Include:  All

Older MCP Client Tool nodes (version 1, SSE only)
  SSE Endpoint:      {sse_url(base_url)}
  Authentication:    Bearer Auth, the same credential
"""
    note = (
        "n8n in Docker cannot reach the host's 127.0.0.1: use host.docker.internal and add it "
        "to INDICATE_ALLOWED_HOSTS. "
    )
    if token is not None:
        note += SECRET_NOTE + " Keep it in the n8n credential, not in the workflow."
    return ClientConfig(
        client="n8n",
        title="n8n (MCP Client Tool node)",
        format="text",
        path=None,
        content=content,
        contains_secret=token is not None,
        note=note.strip(),
    )


def langchain_snippet(*, base_url: str, name: str) -> ClientConfig:
    content = f"""\
# pip install langchain-mcp-adapters
import asyncio
import os

from langchain_mcp_adapters.client import MultiServerMCPClient

client = MultiServerMCPClient(
    {{
        {json.dumps(name)}: {{
            "transport": "streamable_http",
            "url": {json.dumps(mcp_url(base_url))},
            "headers": {_HEADERS},
        }}
    }}
)


async def main() -> None:
    tools = await client.get_tools()  # LangChain tools, ready for an agent
    print("tools:", [tool.name for tool in tools])
    list_tenants = next(tool for tool in tools if tool.name == "list_tenants")
    print(await list_tenants.ainvoke({{}}))


asyncio.run(main())
"""
    return ClientConfig(
        client="langchain",
        title="LangChain (langchain-mcp-adapters)",
        format="python",
        path=None,
        content=content,
        contains_secret=False,
        note=_PY_NOTE,
    )


def openai_agents_snippet(*, base_url: str, name: str) -> ClientConfig:
    content = f"""\
# pip install openai-agents
import asyncio
import os

from agents.mcp import MCPServerStreamableHttp


async def main() -> None:
    async with MCPServerStreamableHttp(
        name={json.dumps(name)},
        params={{
            "url": {json.dumps(mcp_url(base_url))},
            "headers": {_HEADERS},
            "timeout": 30,
        }},
        cache_tools_list=True,
    ) as server:
        tools = await server.list_tools()
        print("tools:", [tool.name for tool in tools])
        result = await server.call_tool("list_tenants", {{}})
        print(result.content)
        # For a run: Agent(name="Analyst", instructions="...", mcp_servers=[server])


asyncio.run(main())
"""
    return ClientConfig(
        client="openai-agents",
        title="OpenAI Agents SDK",
        format="python",
        path=None,
        content=content,
        contains_secret=False,
        note=_PY_NOTE,
    )
