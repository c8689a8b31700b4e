"""Settings: command-line flags override ``INDICATE_*`` environment variables, which override
these defaults."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE = "indicate.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INDICATE_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE,
        description="A SQLite file path, sqlite:///path, or postgresql://user@host/db",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    public_url: str | None = Field(
        default=None, description="Base URL clients use, e.g. https://mcp.example.com"
    )
    allowed_hosts: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    price_single_space: Decimal = Decimal("19.00")
    price_multi_space: Decimal = Decimal("100.00")
    currency: str = "EUR"
    rate_limit_per_minute: int = Field(default=0, ge=0, description="Per API token; 0 = off")

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    def database_path(self) -> Path | None:
        from indicate_mcp.db.engine import sqlite_path

        return sqlite_path(self.database_url)
