"""The five data tools, named after Indicate's own MCP server so existing prompts keep working.

Each translates: the token fixes the tenant where it can, the metrics engine answers, and
pydantic models give every result an output schema.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from indicate_mcp import __version__, metrics
from indicate_mcp.authority.model import Caller
from indicate_mcp.metrics import DataSource, QueryRequest, QueryResult
from indicate_mcp.metrics.query import MAX_LIMIT
from indicate_mcp.server.auth import checked_caller
from indicate_mcp.server.context import ServerContext
from indicate_mcp.server.health import database_status
from indicate_mcp.server.mcp_server import IndicateMCP

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)

TenantArg = Annotated[
    str | None, Field(description="from list_tenants; optional when the token reaches one")
]


class Tenant(BaseModel):
    tenant_id: str
    name: str
    role: str


class TenantList(BaseModel):
    tenants: list[Tenant]


class DataSourceList(BaseModel):
    tenant_id: str
    data_sources: list[DataSource]


class MetricEntry(BaseModel):
    id: str
    name: str
    description: str
    data_source_id: str
    unit: str
    currency: str | None
    aggregation: str
    dimensions: list[str]
    first_date: str | None
    last_date: str | None


class MetricList(BaseModel):
    tenant_id: str
    metrics: list[MetricEntry]


class WhoAmI(BaseModel):
    token: str = Field(description="masked; never the secret")
    token_name: str
    scope: str
    account_id: str
    account_name: str
    organisation_id: str
    plan: str
    tenants: int
    manager: bool


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    server: str
    version: str
    database: str
    caller: WhoAmI


def tenant_for(caller: Caller, tenant_id: str | None) -> str:
    return caller.require_space(tenant_id, noun="tenant").space_id


def register(mcp: IndicateMCP, context: ServerContext) -> None:
    db = context.db

    @mcp.tool(
        description="Step 1: the tenants (spaces) this token reaches, with your role in each.",
        annotations=READ_ONLY,
    )
    async def list_tenants() -> TenantList:
        caller = checked_caller()
        return TenantList(
            tenants=[
                Tenant(tenant_id=a.space_id, name=a.space_name, role=a.role) for a in caller.spaces
            ]
        )

    @mcp.tool(
        description="Step 2: data sources (connections) of a tenant, e.g. PMS, analytics, ads.",
        annotations=READ_ONLY,
    )
    async def list_data_sources(tenant_id: TenantArg = None) -> DataSourceList:
        space = tenant_for(checked_caller(), tenant_id)
        return DataSourceList(
            tenant_id=space, data_sources=await metrics.list_data_sources(db, space)
        )

    @mcp.tool(
        description="Step 3: metric definitions (unit, aggregation, dimensions, date span). "
        "Query with query_metric.",
        annotations=READ_ONLY,
    )
    async def list_metrics(
        tenant_id: TenantArg = None,
        data_source_id: Annotated[str | None, Field(description="narrow to one source")] = None,
    ) -> MetricList:
        space = tenant_for(checked_caller(), tenant_id)
        found = await metrics.list_metrics(db, space, data_source_id)
        return MetricList(
            tenant_id=space,
            metrics=[
                MetricEntry(
                    id=m.id,
                    name=m.name,
                    description=m.description,
                    data_source_id=m.data_source_id,
                    unit=m.unit,
                    currency=m.currency,
                    aggregation=m.aggregation,
                    dimensions=m.dimensions,
                    first_date=m.first_date.isoformat() if m.first_date else None,
                    last_date=m.last_date.isoformat() if m.last_date else None,
                )
                for m in found
            ],
        )

    @mcp.tool(
        description="Step 4: a metric as a time series. Dates YYYY-MM-DD inclusive (default: "
        "last 30 days of data); optional group_by one dimension and compare.",
        annotations=READ_ONLY,
    )
    async def query_metric(
        metric_id: Annotated[str, Field(description="from list_metrics")],
        tenant_id: TenantArg = None,
        data_source_id: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        granularity: Literal["day", "week", "month", "quarter", "year"] = "day",
        group_by: Annotated[str | None, Field(description="one of the metric's dimensions")] = None,
        compare: Literal["previous_period", "previous_year"] | None = None,
        limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 1000,
    ) -> QueryResult:
        space = tenant_for(checked_caller(), tenant_id)
        request = QueryRequest(
            metric_id=metric_id,
            data_source_id=data_source_id,
            start_date=start_date,
            end_date=end_date,
            granularity=granularity,
            group_by=group_by,
            compare=compare,
            limit=limit,
        )
        return await metrics.query_metric(db, space, request)

    @mcp.tool(
        description="Server status and version, database status, and who this token is.",
        annotations=READ_ONLY,
    )
    async def health_check() -> Health:
        caller = checked_caller()
        database = await database_status(db)
        return Health(
            status="ok" if database == "ok" else "degraded",
            server="indicate-mcp",
            version=__version__,
            database=database,
            caller=WhoAmI(
                token=caller.masked_token,
                token_name=caller.token_name,
                scope=caller.scope,
                account_id=caller.account_id,
                account_name=caller.account_name,
                organisation_id=caller.org_id,
                plan=caller.plan,
                tenants=len(caller.spaces),
                manager=caller.is_manager,
            ),
        )
