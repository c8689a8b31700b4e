# pip install langchain-mcp-adapters
import asyncio
import os

from langchain_mcp_adapters.client import MultiServerMCPClient

client = MultiServerMCPClient(
    {
        "indicate": {
            "transport": "streamable_http",
            "url": "http://127.0.0.1:8000/mcp",
            "headers": {"Authorization": f"Bearer {os.environ['INDICATE_AGENT_TOKEN']}"},
        }
    }
)


async def main() -> None:
    tools = await client.get_tools()  # LangChain tools, ready for an agent
    print("tools:", [tool.name for tool in tools])
    list_tenants = next(tool for tool in tools if tool.name == "list_tenants")
    print(await list_tenants.ainvoke({}))


asyncio.run(main())
