"""indicate-mcp: an MCP server for hotel and marketing metrics with an embedded token authority."""

__version__ = "0.1.0"
