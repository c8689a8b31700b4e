# pip install openai-agents
import asyncio
import os

from agents.mcp import MCPServerStreamableHttp


async def main() -> None:
    async with MCPServerStreamableHttp(
        name="indicate",
        params={
            "url": "http://127.0.0.1:8000/mcp",
            "headers": {"Authorization": f"Bearer {os.environ['INDICATE_AGENT_TOKEN']}"},
            "timeout": 30,
        },
        cache_tools_list=True,
    ) as server:
        tools = await server.list_tools()
        print("tools:", [tool.name for tool in tools])
        result = await server.call_tool("list_tenants", {})
        print(result.content)
        # For a run: Agent(name="Analyst", instructions="...", mcp_servers=[server])


asyncio.run(main())
