"""Tables of the token authority. Space data (sources, metrics, values) lives in
``metrics_tables.py``; both share one ``MetaData`` so Alembic sees the whole schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite would otherwise hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


ID = String(32)
TS = UTCDateTime()

organisations = Table(
    "organisations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(128), nullable=False),
    Column("plan", String(16), nullable=False),
    Column("created_at", TS, nullable=False),
)

spaces = Table(
    "spaces",
    metadata,
    Column("id", ID, primary_key=True),
    Column("org_id", ID, ForeignKey("organisations.id"), nullable=False, index=True),
    Column("name", String(128), nullable=False),
    Column("created_at", TS, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("org_id", ID, ForeignKey("organisations.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # member | service
    Column("name", String(128), nullable=False),
    Column("email", String(254), nullable=True),  # stored lower-case; members only
    Column("created_at", TS, nullable=False),
    Column("deleted_at", TS, nullable=True),
    Index(
        "uq_accounts_org_email_live",
        "org_id",
        "email",
        unique=True,
        sqlite_where=text("deleted_at IS NULL AND email IS NOT NULL"),
        postgresql_where=text("deleted_at IS NULL AND email IS NOT NULL"),
    ),
)

memberships = Table(
    "memberships",
    metadata,
    Column("account_id", ID, ForeignKey("accounts.id"), primary_key=True),
    Column("space_id", ID, ForeignKey("spaces.id"), primary_key=True),
    Column("role", String(16), nullable=False),  # owner | admin | user | reader
    Column("created_at", TS, nullable=False),
    Index("ix_memberships_space", "space_id"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", String(12), primary_key=True),  # the public token ID inside the secret
    Column("org_id", ID, ForeignKey("organisations.id"), nullable=False),
    Column("space_id", ID, ForeignKey("spaces.id"), nullable=False),  # where it was created
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # agent | api
    Column("scope", String(8), nullable=False),  # single | multi
    Column("name", String(128), nullable=False),
    Column("status", String(16), nullable=False),  # active | revoked | regenerated
    Column("secret_hash", String(64), nullable=False, unique=True),  # hex SHA-256
    Column("created_at", TS, nullable=False),
    Column("created_by", String(160), nullable=False),
    Column("expires_at", TS, nullable=True),
    Column("last_used_at", TS, nullable=True),
    Column("revoked_at", TS, nullable=True),
    Column("replaces_id", String(12), nullable=True),
    Column("replaced_by_id", String(12), nullable=True),
    Column("billing_start", Date, nullable=True),  # agent tokens: the seat's first day
    Index("ix_tokens_space_kind", "space_id", "kind"),
    Index("ix_tokens_org", "org_id"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", TS, nullable=False),
    Column("org_id", ID, nullable=True),
    Column("namespace", String(32), nullable=False),
    Column("action", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # success | denied | refused
    Column("actor_type", String(16), nullable=False),  # operator | account | anonymous
    Column("actor_id", ID, nullable=True),
    Column("actor_name", String(160), nullable=True),
    Column("token_id", String(12), nullable=True),  # the credential the actor used, if any
    Column("channel", String(16), nullable=False),  # cli | mcp | api | console
    Column("target_type", String(32), nullable=True),
    Column("target_id", String(64), nullable=True),
    Column("space_id", ID, nullable=True),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Column("detail", Text, nullable=True),
    Column("client_ip", String(64), nullable=True),
    Column("user_agent", String(512), nullable=True),
    Index("ix_audit_org_at", "org_id", "at"),
    Index("ix_audit_target", "target_id"),
)

# Fixed one-minute windows per API token, shared by every worker and replica through the
# database, so a per-token limit holds however many processes serve the API.
rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    Column("token_id", String(12), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),  # epoch minute
    Column("count", Integer, nullable=False),
)
