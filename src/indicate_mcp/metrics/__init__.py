"""Space data: data sources, governed metrics, the query engine, import, apply and the demo."""

from indicate_mcp.metrics.apply import ApplyResult, apply_metrics
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
from indicate_mcp.metrics.demo import DemoSummary, load_demo
from indicate_mcp.metrics.engine import query_metric
from indicate_mcp.metrics.importer import ImportReport, import_csv
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
    "ApplyResult",
    "Change",
    "Comparison",
    "DataSource",
    "DemoSummary",
    "GroupSeries",
    "ImportReport",
    "MetricDefinition",
    "MetricInfo",
    "MetricSummary",
    "Point",
    "QueryRequest",
    "QueryResult",
    "apply_metrics",
    "create_data_source",
    "get_metric",
    "import_csv",
    "list_data_sources",
    "list_metrics",
    "load_demo",
    "query_metric",
]
