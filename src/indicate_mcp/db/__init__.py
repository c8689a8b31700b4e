from indicate_mcp.db.engine import Database, normalise_url

__all__ = ["Database", "normalise_url"]
