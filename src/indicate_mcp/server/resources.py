"""Read-only context an agent can attach: metric definitions, a tenant overview, and a weekly
review prompt. Each checks the caller's reach like the tools do."""

from __future__ import annotations

import json

from indicate_mcp import metrics
from indicate_mcp.server.auth import checked_caller
from indicate_mcp.server.context import ServerContext
from indicate_mcp.server.mcp_server import IndicateMCP


def _reachable(tenant_id: str) -> str:
    return checked_caller().require_space(tenant_id, noun="tenant").space_id


def register(mcp: IndicateMCP, context: ServerContext) -> None:
    db = context.db

    @mcp.resource(
        "indicate://tenants/{tenant_id}/metrics/{metric_id}",
        name="metric_definition",
        description="One metric's governed definition and the span of its data.",
        mime_type="application/json",
    )
    async def metric_definition(tenant_id: str, metric_id: str) -> str:
        metric = await metrics.get_metric(db, _reachable(tenant_id), metric_id)
        return metric.model_dump_json(indent=2)

    @mcp.resource(
        "indicate://tenants/{tenant_id}/overview",
        name="tenant_overview",
        description="A tenant at a glance: your role, its data sources and metrics.",
        mime_type="application/json",
    )
    async def tenant_overview(tenant_id: str) -> str:
        space = _reachable(tenant_id)
        caller = checked_caller()
        access = next(a for a in caller.spaces if a.space_id == space)
        sources = await metrics.list_data_sources(db, space)
        found = await metrics.list_metrics(db, space)
        overview = {
            "tenant_id": space,
            "name": access.space_name,
            "your_role": access.role,
            "data_sources": [s.model_dump(mode="json") for s in sources],
            "metrics": [
                {
                    "id": m.id,
                    "name": m.name,
                    "unit": m.unit,
                    "data_source_id": m.data_source_id,
                    "dimensions": m.dimensions,
                    "first_date": m.first_date.isoformat() if m.first_date else None,
                    "last_date": m.last_date.isoformat() if m.last_date else None,
                    "uri": f"indicate://tenants/{space}/metrics/{m.id}",
                }
                for m in found
            ],
        }
        return json.dumps(overview, indent=2, ensure_ascii=False)

    @mcp.prompt(
        name="weekly_review",
        description="Review last week's performance of a tenant against the week before.",
    )
    def weekly_review(tenant_id: str) -> str:
        _reachable(tenant_id)
        return (
            f"Review last week's performance of tenant {tenant_id}.\n"
            f"1. Call list_metrics with tenant_id={tenant_id} and pick the headline metrics "
            "(occupancy, ADR, RevPAR, revenue, bookings, marketing spend and conversions where "
            "present).\n"
            "2. For each, call query_metric with granularity=week, the last two complete weeks "
            "(Monday to Sunday) and compare=previous_period.\n"
            "3. Where a metric has a channel or source dimension, query it again with group_by "
            "to find what drove the change.\n"
            "4. Write a short review: what moved, by how much, the likely driver, and one "
            "action for next week. Quote numbers with their units; say where data is missing."
        )
