"""Commands of space data: demo, data import/sources, metrics apply/list/query."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from indicate_mcp.cli.common import DatabaseOpt, JsonOpt, out, print_json, run, table
from indicate_mcp.db import Database
from indicate_mcp.errors import InvalidInput, NotFound
from indicate_mcp.metrics import (
    QueryRequest,
    create_data_source,
    list_data_sources,
    list_metrics,
    query_metric,
)
from indicate_mcp.metrics.apply import ApplyResult, apply_metrics
from indicate_mcp.metrics.catalog import require_space, resolve_source
from indicate_mcp.metrics.demo import DemoSummary, load_demo
from indicate_mcp.metrics.importer import ImportProgress, ImportReport, Layout, import_csv

data_app = typer.Typer(
    help="Import daily measure values and list data sources.", no_args_is_help=True
)
metrics_app = typer.Typer(
    help="Apply, list and query governed metric definitions.", no_args_is_help=True
)

SpaceOpt = Annotated[str, typer.Option("--space", "-s", help="Space ID.", show_default=False)]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.add_typer(data_app, name="data")
    app.add_typer(metrics_app, name="metrics")


def demo(database: DatabaseOpt = None, json_out: JsonOpt = False) -> None:
    """Load the demo organisation "Alpine Hotel Group" (a no-op when it exists)."""
    summary: DemoSummary = run(database, load_demo)
    if json_out:
        print_json(summary)
        return
    verb = "Loaded" if summary.created else "Already loaded:"
    out.print(f"{verb} [bold]{summary.org_name}[/] ({summary.org_id}).")
    table(None, ["Space ID", "Hotel"], [(s.id, s.name) for s in summary.spaces])
    out.print(f"Owner account: {summary.owner_account_id} (owner@alpine-hotels.example)")


@data_app.command("import")
def data_import(
    file: Annotated[Path, typer.Argument(help="CSV file.", show_default=False)],
    space: SpaceOpt,
    source: Annotated[
        str, typer.Option("--source", help="Data source ID or name.", show_default=False)
    ],
    layout: Annotated[
        str, typer.Option("--layout", help="long, wide, or auto (from the header).")
    ] = "auto",
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Load the valid rows, report the rest.")
    ] = False,
    create_source: Annotated[
        bool, typer.Option("--create-source", help="Create a csv data source of that name.")
    ] = False,
    database: DatabaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Upsert daily values from a CSV file (long: date,measure,value[,dimension,
    dimension_value]; wide: date[,dimension,dimension_value],<measure>...)."""
    show_bar = not json_out and out.is_terminal

    async def work(db: Database) -> ImportReport:
        if create_source:
            try:
                await import_target(db, space, source)
            except NotFound:
                await create_data_source(db, space, name=source, integration="csv")
        if not show_bar:
            return await import_csv(
                db, space, source, file, layout=_layout(layout), skip_invalid=skip_invalid
            )
        columns = (TextColumn("importing"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
        with Progress(*columns, console=out, transient=True) as bar:
            task = bar.add_task("import", total=file.stat().st_size if file.is_file() else None)

            def advance(progress: ImportProgress) -> None:
                bar.update(task, completed=progress.bytes_read, total=progress.total_bytes)

            return await import_csv(
                db,
                space,
                source,
                file,
                layout=_layout(layout),
                skip_invalid=skip_invalid,
                progress=advance,
            )

    report: ImportReport = run(database, work)
    if json_out:
        print_json(report)
        return
    span = f"{report.first_date} to {report.last_date}" if report.first_date else "no dates"
    out.print(
        f"Imported {report.values_written} value(s) from {report.rows_read} row(s) "
        f"({report.layout} layout) into {report.data_source_id}: {', '.join(report.measures)}, "
        f"{span}."
    )
    if report.skipped_count:
        out.print(f"Skipped {report.skipped_count} invalid row(s):")
        table(None, ["Line", "Problem"], [(s.line, s.message) for s in report.skipped])


async def import_target(db: Database, space: str, source: str) -> None:
    async with db.read() as conn:
        await require_space(conn, space)
        await resolve_source(conn, space, source)


def _layout(value: str) -> Layout:
    if value not in ("auto", "long", "wide"):
        raise InvalidInput(f"layout {value!r} is not valid; use one of: auto, long, wide")
    return value  # type: ignore[return-value]


@data_app.command("sources")
def data_sources(space: SpaceOpt, database: DatabaseOpt = None, json_out: JsonOpt = False) -> None:
    """List the data sources of a space."""
    sources = run(database, lambda db: list_data_sources(db, space))
    if json_out:
        print_json(sources)
        return
    rows = [(s.id, s.name, s.integration, s.status, s.connected_at) for s in sources]
    table(None, ["ID", "Name", "Integration", "Status", "Connected"], rows)


@metrics_app.command("apply")
def metrics_apply(
    file: Annotated[Path, typer.Argument(help="YAML or JSON file.", show_default=False)],
    space: SpaceOpt,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the planned changes; write nothing.")
    ] = False,
    database: DatabaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create or update metric definitions from a file; updates bump the version."""
    result: ApplyResult = run(database, lambda db: apply_metrics(db, space, file, dry_run=dry_run))
    if json_out:
        print_json(result)
        return
    title = "Planned changes (dry run, nothing written)" if dry_run else "Applied"
    rows = [(c.metric_id, c.action, c.version, ", ".join(c.changed_fields)) for c in result.changes]
    table(title, ["Metric", "Action", "Version", "Changed"], rows)
    out.print(
        f"{result.count('create')} to create, {result.count('update')} to update, "
        f"{result.count('unchanged')} unchanged."
        if dry_run
        else f"{result.count('create')} created, {result.count('update')} updated, "
        f"{result.count('unchanged')} unchanged."
    )


@metrics_app.command("list")
def metrics_list(space: SpaceOpt, database: DatabaseOpt = None, json_out: JsonOpt = False) -> None:
    """List the metrics of a space with their unit, aggregation and data span."""
    metrics = run(database, lambda db: list_metrics(db, space))
    if json_out:
        print_json(metrics)
        return
    rows = [
        (m.id, m.name, m.currency or m.unit, m.aggregation, ", ".join(m.dimensions),
         m.first_date, m.last_date)
        for m in metrics
    ]  # fmt: skip
    table(None, ["ID", "Name", "Unit", "Aggregation", "Dimensions", "From", "To"], rows)


@metrics_app.command("query")
def metrics_query(
    metric: Annotated[str, typer.Argument(help="Metric ID.", show_default=False)],
    space: SpaceOpt,
    start: Annotated[str | None, typer.Option("--start", help="YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--end", help="YYYY-MM-DD")] = None,
    granularity: Annotated[str, typer.Option("--granularity", "-g")] = "day",
    group_by: Annotated[str | None, typer.Option("--group-by")] = None,
    compare: Annotated[
        str | None, typer.Option("--compare", help="previous_period or previous_year")
    ] = None,
    database: DatabaseOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Query a metric, as agents do over MCP."""
    request = QueryRequest(
        metric_id=metric,
        start_date=start,
        end_date=end,
        granularity=granularity,
        group_by=group_by,
        compare=compare,
    )
    result = run(database, lambda db: query_metric(db, space, request))
    if json_out:
        print_json(result)
        return
    previous = {c.date: c for c in result.comparison.change} if result.comparison else {}
    rows = []
    for point in result.series:
        change = previous.get(point.date)
        rows.append(
            (
                point.date.isoformat() + (" *" if point.partial else ""),
                _fmt(point.value),
                _fmt(change.previous) if change else "",
                _fmt(change.relative_change, percent=True) if change else "",
            )
        )
    title = f"{result.metric.name} ({result.metric.currency or result.metric.unit})"
    table(title, ["Bucket", "Value", "Previous", "Change"], rows)
    out.print(f"Total {result.start_date} to {result.end_date}: {_fmt(result.total)}")
    for note in ([result.empty_reason] if result.empty_reason else []) + result.notes:
        out.print(f"[dim]{note}[/]")


def _fmt(value: float | None, *, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value * 100:+.1f} %" if percent else f"{value:,.2f}"
