"""Space data: data sources, governed metrics and the query engine."""

from indicate_mcp.metrics.catalog import (
    create_data_source,
    get_metric,
    list_data_sources,
    list_metrics,
)
from indicate_mcp.metrics.definitions import (
    AGGREGATIONS,
    UNITS,
    DataSource,
    MetricDefinition,
    MetricInfo,
)
from indicate_mcp.metrics.engine import query_metric
from indicate_mcp.metrics.periods import COMPARE_MODES, GRANULARITIES
from indicate_mcp.metrics.query import (
    Change,
    Comparison,
    GroupSeries,
    MetricSummary,
    Point,
    QueryRequest,
    QueryResult,
)

__all__ = [
    "AGGREGATIONS",
    "COMPARE_MODES",
    "GRANULARITIES",
    "UNITS",
    "Change",
    "Comparison",
    "DataSource",
    "GroupSeries",
    "MetricDefinition",
    "MetricInfo",
    "MetricSummary",
    "Point",
    "QueryRequest",
    "QueryResult",
    "create_data_source",
    "get_metric",
    "list_data_sources",
    "list_metrics",
    "query_metric",
]
