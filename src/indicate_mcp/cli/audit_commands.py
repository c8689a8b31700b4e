"""init, audit, billing and db: the operator's commands around the authority."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from indicate_mcp.authority import audit, billing
from indicate_mcp.authority.bootstrap import Bootstrap, initialise
from indicate_mcp.cli.common import (
    AsOpt,
    DatabaseOpt,
    JsonOpt,
    actor_for,
    out,
    print_json,
    run,
    run_async,
    settings_for,
    table,
)
from indicate_mcp.db import Database
from indicate_mcp.db.migrate import upgrade
from indicate_mcp.errors import InvalidInput

audit_app = typer.Typer(help="Read, export and purge the audit log.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def register_init(app: typer.Typer) -> None:
    app.command("init")(init)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.command("billing")(billing_command)
    app.add_typer(db_app, name="db")


def init(
    org_name: Annotated[str, typer.Option("--org-name", help="Organisation name.")],
    space_name: Annotated[str, typer.Option("--space-name", help="First space, e.g. your hotel.")],
    owner_name: Annotated[str, typer.Option("--owner-name", help="The owner's name.")],
    owner_email: Annotated[str, typer.Option("--owner-email", help="The owner's e-mail.")],
    plan: Annotated[str, typer.Option(help="core, pro or enterprise.")] = "core",
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
) -> None:
    """Create an organisation, its first space and owner; print their first agent token once."""

    async def work(db: Database) -> Bootstrap:
        return await initialise(
            db,
            org_name=org_name,
            plan=plan,
            space_name=space_name,
            owner_name=owner_name,
            owner_email=owner_email,
        )

    done = run(database, work)
    if json_out:
        print_json(
            {
                "organisation": done.org,
                "space": done.space,
                "owner": done.owner,
                "token": done.token.token,
                "secret": done.token.secret,
            }
        )
        return
    out.print(f"Organisation {done.org.name} ({done.org.id}, {done.org.plan} plan)")
    out.print(f"Space {done.space.name}: Space ID {done.space.id}")
    out.print(f"Owner {done.owner.name} <{done.owner.email}> ({done.owner.id})")
    out.print(
        "\nThe owner's first agent token (multi-space, one billed seat). "
        "Copy it now: it is shown only once.\n"
    )
    typer.echo(done.token.secret)


def _parse_time(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{field} {value!r} is not a date or time; use YYYY-MM-DD or YYYY-MM-DDTHH:MM",
            field=field,
        ) from exc
    if parsed.tzinfo is None:
        from datetime import UTC

        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _filter(
    org: str | None,
    namespace: str | None,
    action: str | None,
    actor: str | None,
    target: str | None,
    space: str | None,
    outcome: str | None,
    since: str | None,
    until: str | None,
) -> audit.AuditFilter:
    return audit.AuditFilter(
        org_id=org,
        namespace=namespace,
        action=action,
        actor_id=actor,
        target_id=target,
        space_id=space,
        outcome=outcome,
        since=_parse_time(since, "since"),
        until=_parse_time(until, "until"),
    )


Namespace = Annotated[str | None, typer.Option(help='e.g. "API Tokens", Team, Spaces.')]
Action = Annotated[str | None, typer.Option(help="e.g. token.revoked.")]
ActorFilter = Annotated[str | None, typer.Option("--actor", help="Account ID of the actor.")]
TargetFilter = Annotated[str | None, typer.Option("--target", help="Token, account or space ID.")]
SpaceFilter = Annotated[str | None, typer.Option("--space", help="Space ID.")]
OutcomeFilter = Annotated[str | None, typer.Option("--outcome", help="success, denied or refused.")]
Since = Annotated[str | None, typer.Option(help="From this UTC date/time (inclusive).")]
Until = Annotated[str | None, typer.Option(help="Before this UTC date/time.")]
OrgFilter = Annotated[str | None, typer.Option("--org", help="Organisation ID.")]


@audit_app.command("list")
def audit_list(
    namespace: Namespace = None,
    action: Action = None,
    actor: ActorFilter = None,
    target: TargetFilter = None,
    space: SpaceFilter = None,
    outcome: OutcomeFilter = None,
    since: Since = None,
    until: Until = None,
    org: OrgFilter = None,
    limit: Annotated[int, typer.Option(help="Newest first, at most this many (1-1000).")] = 50,
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """List audit events, newest first."""

    async def work(db: Database) -> list[dict[str, Any]]:
        f = _filter(org, namespace, action, actor, target, space, outcome, since, until)
        return await audit.list_events(db, await actor_for(db, as_account), f, limit=limit)

    events = run(database, work)
    if json_out:
        print_json(events)
        return
    table(
        None,
        [
            "Time (UTC)",
            "Namespace",
            "Action",
            "Outcome",
            "Actor",
            "Channel",
            "Target",
            "Space",
            "Detail",
        ],
        [
            [
                e["at"].strftime("%Y-%m-%d %H:%M:%S"),
                e["namespace"],
                e["action"],
                e["outcome"],
                e["actor_name"],
                e["channel"],
                e["target_id"],
                e["space_id"],
                e["detail"],
            ]
            for e in events
        ],
    )


@audit_app.command("export")
def audit_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default: stdout).")
    ] = None,
    namespace: Namespace = None,
    action: Action = None,
    actor: ActorFilter = None,
    target: TargetFilter = None,
    space: SpaceFilter = None,
    outcome: OutcomeFilter = None,
    since: Since = None,
    until: Until = None,
    org: OrgFilter = None,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Export audit events as JSON Lines, oldest first."""

    async def work(db: Database) -> int:
        f = _filter(org, namespace, action, actor, target, space, outcome, since, until)
        sink = output.open("w", encoding="utf-8") if output else sys.stdout
        count = 0
        try:
            async for line in audit.export_events(db, await actor_for(db, as_account), f):
                sink.write(line + "\n")
                count += 1
        finally:
            if output:
                sink.close()
        return count

    count = run(database, work)
    if output:
        out.print(f"Wrote {count} event(s) to {output}.")


@audit_app.command("purge")
def audit_purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, delete nothing.")] = False,
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
) -> None:
    """Delete events past each plan's retention (core 2, pro 50, enterprise 500 days)."""
    removed = run(database, lambda db: audit.purge(db, dry_run=dry_run))
    if json_out:
        print_json({"dry_run": dry_run, "removed": removed})
        return
    verb = "Would delete" if dry_run else "Deleted"
    table(None, ["Organisation", f"{verb} events"], [[org, n] for org, n in removed.items()])


def billing_command(
    org: OrgFilter = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD (default: today, UTC).")
    ] = None,
    json_out: JsonOpt = False,
    database: DatabaseOpt = None,
    as_account: AsOpt = None,
) -> None:
    """Agent-token seats, the monthly total and first-cycle proration."""
    settings = settings_for(database)
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise typer.BadParameter(f"--as-of {as_of!r}: use YYYY-MM-DD") from exc

    async def work(db: Database) -> billing.BillingReport:
        from indicate_mcp.cli.team_commands import resolve_org

        actor = await actor_for(db, as_account)
        prices = billing.Prices(
            settings.price_single_space, settings.price_multi_space, settings.currency
        )
        return await billing.billing_report(
            db, actor, await resolve_org(db, actor, org), prices=prices, as_of=day
        )

    report = run(database, work)
    if json_out:
        print_json(
            {
                "organisation": report.org,
                "currency": report.currency,
                "as_of": report.as_of,
                "single_space_seats": report.single_seats,
                "multi_space_seats": report.multi_seats,
                "monthly_total": report.monthly_total,
                "this_month_total": report.this_month_total,
                "seats": report.seats,
            }
        )
        return
    table(
        f"Agent-token seats of {report.org.name} ({report.org.plan}) on {report.as_of}",
        ["Token", "Name", "Scope", "Assigned to", "Per month", "Since", "First cycle (prorated)"],
        [
            [
                s.token_id,
                s.name,
                s.scope,
                s.account_name,
                f"{s.monthly_price} {report.currency}",
                s.billing_start,
                f"{s.first_cycle_amount} {report.currency} to {s.first_cycle_end}",
            ]
            for s in report.seats
        ],
    )
    out.print(
        f"{report.single_seats} single-space and {report.multi_seats} multi-space seat(s): "
        f"{report.monthly_total} {report.currency} per month; "
        f"{report.this_month_total} {report.currency} for this month."
    )


@db_app.command("upgrade")
def db_upgrade(json_out: JsonOpt = False, database: DatabaseOpt = None) -> None:
    """Apply database migrations (the server also does this at start)."""
    settings = settings_for(database)

    async def work() -> tuple[str | None, str | None]:
        db = Database(settings.database_url)
        try:
            return await upgrade(db)
        finally:
            await db.dispose()

    before, after = run_async(work())
    if json_out:
        print_json({"before": before, "after": after})
    elif before == after:
        out.print(f"Database already at revision {after}.")
    else:
        out.print(f"Database upgraded from {before or 'empty'} to {after}.")
