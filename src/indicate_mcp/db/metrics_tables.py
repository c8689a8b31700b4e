"""Tables of space data: data sources, governed metric definitions and daily measure values."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from indicate_mcp.db.tables import ID, TS, metadata

data_sources = Table(
    "data_sources",
    metadata,
    Column("id", ID, primary_key=True),
    Column("space_id", ID, ForeignKey("spaces.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("integration", String(64), nullable=False),  # mews, google_analytics, meta_ads, csv …
    Column("status", String(16), nullable=False),  # active | misbehaving
    Column("connected_at", Date, nullable=False),
    Index("ix_data_sources_space", "space_id"),
)

metric_definitions = Table(
    "metric_definitions",
    metadata,
    Column("space_id", ID, ForeignKey("spaces.id"), primary_key=True),
    Column("id", String(64), primary_key=True),  # e.g. occupancy_rate, unique per space
    Column("data_source_id", ID, ForeignKey("data_sources.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("description", Text, nullable=False),
    Column("unit", String(16), nullable=False),  # percent | currency | count | number
    Column("currency", String(3), nullable=True),
    Column("aggregation", String(16), nullable=False),  # sum average min max last ratio
    Column("measure", String(64), nullable=True),
    Column("numerator", String(64), nullable=True),
    Column("denominator", String(64), nullable=True),
    Column("multiplier", Float, nullable=False, default=1.0),
    Column("dimensions", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", TS, nullable=False),
)

# One row per (source, measure, day, dimension value). Totals use dimension = '' and
# dimension_value = ''; a breakdown by channel stores one row per channel. The primary key
# order serves both the upsert and the range scans of the query engine.
measure_values = Table(
    "measure_values",
    metadata,
    Column("data_source_id", ID, ForeignKey("data_sources.id"), primary_key=True),
    Column("measure", String(64), primary_key=True),
    Column("dimension", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("dimension_value", String(128), primary_key=True),
    Column("value", Float, nullable=False),
    sqlite_with_rowid=False,
)
