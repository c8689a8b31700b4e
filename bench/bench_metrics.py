"""Benchmark of space data: query latency and CSV import throughput, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_metrics.py [--quick] [--skip-postgres]

Data sets: the demo (3 hotels, ~2 years + 90 days ahead) and a scaled set generated with bulk
inserts (20 spaces x 10 years x 30 metrics; --quick: 4 spaces x 2 years). Queries report p50
and p95 in milliseconds. The import runs in a subprocess so its peak RSS is its own; a small
file and a large one show whether memory grows with the file (it should not: it streams).
PostgreSQL: a throwaway database ``indicate_bench_<random>`` on $INDICATE_BENCH_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/test), dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from indicate_mcp.db import Database
from indicate_mcp.db.metrics_tables import data_sources, metric_definitions
from indicate_mcp.db.migrate import upgrade
from indicate_mcp.db.tables import organisations, spaces
from indicate_mcp.metrics import QueryRequest, load_demo, query_metric
from indicate_mcp.metrics.importer import import_csv

PG_ADMIN = os.environ.get(
    "INDICATE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TODAY = date(2026, 12, 1)
CHANNELS = ("direct", "booking_com", "expedia", "phone")
MEASURES = 20  # m00..m19; m00..m04 also broken down by channel
COLUMNS = ("data_source_id", "measure", "dimension", "day", "dimension_value", "value")


# ---------------------------------------------------------------- databases


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_url(name: str) -> str:
    return f"{PG_ADMIN.rpartition('/')[0]}/{name}"


async def _fresh(kind: str, workdir: Path, label: str) -> tuple[Database, str]:
    if kind == "sqlite":
        url = str(workdir / f"{label}.db")
    else:
        name = f"indicate_bench_{uuid.uuid4().hex[:10]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    db = Database(url)
    await upgrade(db)
    return db, url


async def _drop(kind: str, db: Database, url: str) -> None:
    await db.dispose()
    if kind == "postgres":
        await _pg_admin(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


# ---------------------------------------------------------------- scaled data


async def load_scaled(db: Database, url: str, n_spaces: int, years: int) -> list[str]:
    """Spaces, sources and 30 metric definitions through SQLAlchemy; the values through the
    drivers' own bulk paths (sqlite3 executemany, PostgreSQL COPY), as a loader would."""
    now = datetime.now(UTC)
    space_ids = [f"spc_bench{i:05d}" for i in range(n_spaces)]
    async with db.write() as conn:
        await conn.execute(
            insert(organisations).values(
                id="org_bench", name="Bench", plan="enterprise", created_at=now
            )
        )
        for space_id in space_ids:
            source_id = space_id.replace("spc", "src")
            await conn.execute(
                insert(spaces).values(
                    id=space_id, org_id="org_bench", name=space_id, created_at=now
                )
            )
            await conn.execute(
                insert(data_sources).values(
                    id=source_id,
                    space_id=space_id,
                    name="PMS",
                    integration="mews",
                    status="active",
                    connected_at=TODAY,
                )
            )
            await conn.execute(
                insert(metric_definitions), _scaled_metrics(space_id, source_id, now)
            )
    first = TODAY - timedelta(days=round(365.25 * years))
    for space_id in space_ids:
        rows = list(_scaled_rows(space_id.replace("spc", "src"), first))
        if db.is_sqlite:
            _sqlite_bulk(url, rows)
        else:
            await _pg_copy(url, rows)
    return space_ids


def _scaled_metrics(space_id: str, source_id: str, now: datetime) -> list[dict[str, Any]]:
    base = {
        "space_id": space_id,
        "data_source_id": source_id,
        "description": "",
        "currency": None,
        "measure": None,
        "numerator": None,
        "denominator": None,
        "multiplier": 1.0,
        "version": 1,
        "updated_at": now,
    }
    out = []
    for i in range(MEASURES):
        dims = ["channel"] if i < 5 else []
        out.append(
            {
                **base,
                "id": f"sum_{i:02d}",
                "name": f"Sum {i}",
                "unit": "count",
                "aggregation": "sum",
                "measure": f"m{i:02d}",
                "dimensions": dims,
            }
        )
    for i in range(10):
        num, den = f"m{i % 5:02d}", f"m{(i % 5 + 1) % 5:02d}"
        out.append(
            {
                **base,
                "id": f"ratio_{i:02d}",
                "name": f"Ratio {i}",
                "unit": "percent",
                "aggregation": "ratio",
                "numerator": num,
                "denominator": den,
                "multiplier": 100.0,
                "dimensions": ["channel"],
            }
        )
    return out


def _scaled_rows(source_id: str, first: date) -> Any:
    rng = random.Random(source_id)
    day = first
    while day <= TODAY:
        for i in range(MEASURES):
            measure = f"m{i:02d}"
            if i < 5:
                parts = [float(rng.randint(1, 50)) for _ in CHANNELS]
                for channel, value in zip(CHANNELS, parts, strict=True):
                    yield (source_id, measure, "channel", day, channel, value)
                yield (source_id, measure, "", day, "", sum(parts))
            else:
                yield (source_id, measure, "", day, "", rng.random() * 1000)
        day += timedelta(days=1)


def _sqlite_bulk(path: str, rows: list[tuple[Any, ...]]) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.executemany(
            f"INSERT INTO measure_values ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",  # noqa: S608
            [(r[0], r[1], r[2], r[3].isoformat(), r[4], r[5]) for r in rows],
        )
        conn.commit()
    finally:
        conn.close()


async def _pg_copy(url: str, rows: list[tuple[Any, ...]]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("measure_values", records=rows, columns=list(COLUMNS))
        await conn.execute("ANALYZE measure_values")
    finally:
        await conn.close()


# ---------------------------------------------------------------- queries


def _cases(
    ratio: str, total: str, group: str, last: date, first: date
) -> list[tuple[str, dict[str, Any]]]:
    recent = {"start_date": (last - timedelta(days=89)).isoformat(), "end_date": last.isoformat()}
    whole = {"start_date": first.isoformat(), "end_date": last.isoformat(), "limit": 10_000}
    return [
        ("day, 90 days, ratio", {"metric_id": ratio, "granularity": "day", **recent}),
        ("day, 90 days, sum", {"metric_id": total, "granularity": "day", **recent}),
        ("month, all, ratio", {"metric_id": ratio, "granularity": "month", **whole}),
        ("day 90d + group_by", {"metric_id": ratio, "group_by": group, **recent}),
        (
            "month all + group_by",
            {"metric_id": ratio, "granularity": "month", "group_by": group, **whole},
        ),
        (
            "month all + prev. year",
            {"metric_id": ratio, "granularity": "month", "compare": "previous_year", **whole},
        ),
        (
            "day 90d + group + compare",
            {"metric_id": ratio, "group_by": group, "compare": "previous_period", **recent},
        ),
    ]


async def time_queries(
    db: Database, space_ids: list[str], cases: list[tuple[str, dict[str, Any]]], runs: int
) -> list[tuple[str, float, float]]:
    results = []
    for label, kwargs in cases:
        timings = []
        for run in range(runs + 2):
            space = space_ids[run % len(space_ids)]
            started = time.perf_counter()
            await query_metric(db, space, QueryRequest(**kwargs), today=TODAY)
            if run >= 2:  # the first two warm caches and prepared statements
                timings.append((time.perf_counter() - started) * 1000)
        cuts = statistics.quantiles(timings, n=20, method="inclusive")
        results.append((label, statistics.median(timings), cuts[18]))
    return results


# ---------------------------------------------------------------- import


def write_csv(path: Path, n_rows: int) -> None:
    """Long layout: 10 measures per day, 4 of every 5 rows a channel breakdown."""
    first = date(2000, 1, 1)
    with path.open("w", encoding="utf-8") as f:
        f.write("date,measure,value,dimension,dimension_value\n")
        for i in range(n_rows):
            day = (first + timedelta(days=i // 50)).isoformat()
            slot = i % 50
            dim, value = ("", "") if slot < 10 else ("channel", CHANNELS[slot // 10 - 1])
            f.write(f"{day},m{slot % 10},{i * 0.25},{dim},{value}\n")


async def import_worker(url: str, csv_path: str) -> dict[str, float]:
    db = Database(url)
    now = datetime.now(UTC)
    space = f"spc_imp{uuid.uuid4().hex[:8]}"
    async with db.write() as conn:
        await conn.execute(
            insert(organisations).values(
                id=space.replace("spc", "org"), name="Import", plan="core", created_at=now
            )
        )
        await conn.execute(
            insert(spaces).values(
                id=space, org_id=space.replace("spc", "org"), name="Import", created_at=now
            )
        )
        await conn.execute(
            insert(data_sources).values(
                id=space.replace("spc", "src"),
                space_id=space,
                name="CSV",
                integration="csv",
                status="active",
                connected_at=TODAY,
            )
        )
    baseline = _peak_rss_mb()
    started = time.perf_counter()
    report = await import_csv(db, space, "CSV", csv_path)
    seconds = time.perf_counter() - started
    await db.dispose()
    return {
        "rows": report.rows_read,
        "seconds": seconds,
        "baseline_mb": baseline,
        "peak_mb": _peak_rss_mb(),
    }


def _peak_rss_mb() -> float:
    """VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and
    exec, so a child that never outgrows the parent would report the parent's peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_import(url: str, csv_path: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--import-worker", url, str(csv_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------- main


async def bench(kind: str, args: argparse.Namespace, workdir: Path, csvs: list[Path]) -> list[str]:
    lines = [f"\n## {kind}"]
    runs = 5 if args.quick else 30
    if args.import_only:
        return lines + await _imports(kind, workdir, csvs)

    db, url = await _fresh(kind, workdir, "demo")
    try:
        started = time.perf_counter()
        demo = await load_demo(db, today=TODAY)
        load = time.perf_counter() - started
        lines.append(f"demo load: {demo.values_written:,} values in {load:.2f} s")
        first = date(TODAY.year - 2, TODAY.month, 1)
        cases = _cases("occupancy_rate", "room_revenue", "channel", TODAY, first)
        cases[3] = ("day 90d + group_by", {**cases[3][1], "metric_id": "adr"})
        cases[4] = ("month all + group_by", {**cases[4][1], "metric_id": "adr"})
        cases[6] = ("day 90d + group + compare", {**cases[6][1], "metric_id": "adr"})
        lines += _table("demo", await time_queries(db, demo.space_ids, cases, runs))
    finally:
        await _drop(kind, db, url)

    n_spaces, years = (4, 2) if args.quick else (20, 10)
    db, url = await _fresh(kind, workdir, "scaled")
    try:
        started = time.perf_counter()
        space_ids = await load_scaled(db, url, n_spaces, years)
        load = time.perf_counter() - started
        values = n_spaces * (round(365.25 * years) + 1) * (MEASURES + 5 * len(CHANNELS))
        lines.append(
            f"scaled set: {n_spaces} spaces x {years} years x 30 metrics = {values:,} values, "
            f"bulk-loaded in {load:.1f} s"
        )
        first = TODAY - timedelta(days=round(365.25 * years))
        cases = _cases("ratio_00", "sum_07", "channel", TODAY, first)
        lines += _table("scaled", await time_queries(db, space_ids, cases, runs))
    finally:
        await _drop(kind, db, url)

    return lines + await _imports(kind, workdir, csvs)


async def _imports(kind: str, workdir: Path, csvs: list[Path]) -> list[str]:
    lines = []
    for csv_path in csvs:
        db, url = await _fresh(kind, workdir, f"import_{csv_path.stem}")
        try:
            stats = run_import(url, csv_path)
        finally:
            await _drop(kind, db, url)
        lines.append(
            f"import {int(stats['rows']):>9,} rows: {stats['rows'] / stats['seconds']:>9,.0f} "
            f"rows/s ({stats['seconds']:.1f} s), peak RSS {stats['peak_mb']:.0f} MB "
            f"(before the import {stats['baseline_mb']:.0f} MB)"
        )
    return lines


def _table(label: str, rows: list[tuple[str, float, float]]) -> list[str]:
    out = [f"{label + ' query':<32} {'p50 ms':>9} {'p95 ms':>9}"]
    out += [f"{name:<32} {p50:>9.1f} {p95:>9.1f}" for name, p50, p95 in rows]
    return out


async def main(args: argparse.Namespace) -> None:
    kinds = ["sqlite"] if args.skip_postgres else ["sqlite", "postgres"]
    with tempfile.TemporaryDirectory(prefix="indicate_bench_") as tmp:
        workdir = Path(tmp)
        sizes = [20_000, 100_000] if args.quick else [100_000, 1_000_000]
        csvs = []
        for size in sizes:
            path = workdir / f"values_{size}.csv"
            write_csv(path, size)
            csvs.append(path)
        print(f"# indicate-mcp space-data benchmark ({'quick' if args.quick else 'full'})")
        for kind in kinds:
            for line in await bench(kind, args, workdir, csvs):
                print(line, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, few runs (< 1 min)")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--import-only", action="store_true", help="only the CSV import part")
    parser.add_argument("--import-worker", nargs=2, metavar=("URL", "CSV"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.import_worker:
        print(json.dumps(asyncio.run(import_worker(*arguments.import_worker))))
    else:
        asyncio.run(main(arguments))
