"""What every surface of the running server shares: settings, the database and the verifier."""

from __future__ import annotations

from dataclasses import dataclass

from indicate_mcp.authority.billing import Prices
from indicate_mcp.authority.resolver import Resolver
from indicate_mcp.config import Settings
from indicate_mcp.db import Database


@dataclass
class ServerContext:
    settings: Settings
    db: Database
    resolver: Resolver

    @classmethod
    def create(cls, settings: Settings) -> ServerContext:
        db = Database(settings.database_url)
        return cls(settings=settings, db=db, resolver=Resolver(db))

    @property
    def prices(self) -> Prices:
        s = self.settings
        return Prices(s.price_single_space, s.price_multi_space, s.currency)
