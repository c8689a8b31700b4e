"""CSV import: both layouts, validation with line numbers, all-or-nothing, skip-invalid,
idempotent re-import, streaming progress."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from indicate_mcp.db import Database
from indicate_mcp.db.metrics_tables import measure_values
from indicate_mcp.errors import InvalidInput, NotFound
from indicate_mcp.metrics.importer import ImportProgress, import_csv
from metrics_support import make_source, make_space


async def _rows(db: Database) -> list[tuple[str, str, str, str, float]]:
    async with db.read() as conn:
        result = await conn.execute(
            select(
                measure_values.c.measure,
                measure_values.c.day,
                measure_values.c.dimension,
                measure_values.c.dimension_value,
                measure_values.c.value,
            ).order_by(
                measure_values.c.measure,
                measure_values.c.day,
                measure_values.c.dimension,
                measure_values.c.dimension_value,
            )
        )
        return [(r[0], r[1].isoformat(), r[2], r[3], r[4]) for r in result]


@pytest.fixture
async def target(db: Database) -> tuple[Database, str, str]:
    space = await make_space(db)
    return db, space, await make_source(db, space, name="Bookings CSV")


def _write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_long_layout_with_and_without_dimensions(
    target: tuple[Database, str, str], tmp_path: Path
) -> None:
    db, space, source = target
    path = _write(
        tmp_path,
        "date,measure,value,dimension,dimension_value\n"
        "2024-01-01,rooms_sold,40,,\n"
        "2024-01-01,rooms_sold,25,channel,direct\n"
        "2024-01-02,rooms_sold,41.5,,\n",
    )
    report = await import_csv(db, space, "Bookings CSV", path)
    assert (report.layout, report.rows_read, report.values_written) == ("long", 3, 3)
    assert (report.first_date.isoformat(), report.last_date.isoformat()) == (  # type: ignore[union-attr]
        "2024-01-01",
        "2024-01-02",
    )
    assert report.data_source_id == source
    assert await _rows(db) == [
        ("rooms_sold", "2024-01-01", "", "", 40.0),
        ("rooms_sold", "2024-01-01", "channel", "direct", 25.0),
        ("rooms_sold", "2024-01-02", "", "", 41.5),
    ]


async def test_wide_layout_skips_empty_cells(
    target: tuple[Database, str, str], tmp_path: Path
) -> None:
    db, space, source = target
    path = _write(
        tmp_path,
        "\ufeffDate,dimension,dimension_value,sessions,users\n"  # a BOM and a capital, as Excel
        "2024-01-01,,,100,80\n"
        "2024-01-01,device,mobile,60,\n",
    )
    report = await import_csv(db, space, source, path, layout="wide")
    assert report.measures == ["sessions", "users"]
    assert await _rows(db) == [
        ("sessions", "2024-01-01", "", "", 100.0),
        ("sessions", "2024-01-01", "device", "mobile", 60.0),
        ("users", "2024-01-01", "", "", 80.0),
    ]


async def test_bad_rows_fail_everything_and_name_their_lines(
    target: tuple[Database, str, str], tmp_path: Path
) -> None:
    db, space, source = target
    path = _write(
        tmp_path,
        "date,measure,value\n"
        "2024-01-01,sessions,10\n"
        "2024-13-01,sessions,10\n"
        "2024-01-03,sessions,ten\n"
        "2024-01-04,sessions\n"
        "2024-01-05,sessions,inf\n"
        "2024-01-06,sess ions,1\n",
    )
    with pytest.raises(InvalidInput) as exc:
        await import_csv(db, space, source, path, batch_size=2)
    message = exc.value.message
    assert "5 invalid row(s), nothing was imported" in message
    for expected in (
        "line 3: date '2024-13-01' is not a real calendar date",
        "line 4: value 'ten' of sessions is not a number",
        "line 5: expected 3 fields, found 2",
        "line 6: value 'inf' of sessions is not a finite number",
        "line 7: measure 'sess ions' must start with a letter",
    ):
        assert expected in message
    assert await _rows(db) == []  # line 2 was valid, but the import is all-or-nothing


async def test_failure_after_many_batches_leaves_nothing(
    target: tuple[Database, str, str], tmp_path: Path
) -> None:
    db, space, source = target
    lines = [f"2024-01-01,m{i},{i}" for i in range(1000)] + ["2024-01-02,m1,oops"]
    path = _write(tmp_path, "date,measure,value\n" + "\n".join(lines) + "\n")
    with pytest.raises(InvalidInput, match="line 1002"):
        await import_csv(db, space, source, path, batch_size=100)
    assert await _rows(db) == []


async def test_skip_invalid_loads_the_rest_and_reports_lines(
    target: tuple[Database, str, str], tmp_path: Path
) -> None:
    db, space, source = target
    path = _write(
        tmp_path,
        "date,measure,value,dimension,dimension_value\n"
        "2024-01-01,sessions,10,,\n"
        "2024-01-02,sessions,11,device,\n"
        "2024-01-03,sessions,12,,\n",
    )
    report = await import_csv(db, space, source, path, skip_invalid=True)
    assert report.skipped_count == 1
    assert report.skipped[0].line == 3 and "dimension_value" in report.skipped[0].message
    assert [r[1] for r in await _rows(db)] == ["2024-01-01", "2024-01-03"]


async def test_reimport_is_an_idempotent_upsert(
    target: tuple[Database, str, str], tmp_path: Path
) -> None:
    db, space, source = target
    first = _write(tmp_path, "date,sessions\n2024-01-01,10\n2024-01-02,20\n", "a.csv")
    await import_csv(db, space, source, first)
    await import_csv(db, space, source, first)
    assert len(await _rows(db)) == 2
    corrected = _write(
        tmp_path, "date,sessions\n2024-01-02,25\n2024-01-02,26\n2024-01-03,30\n", "b.csv"
    )
    await import_csv(db, space, source, corrected)
    assert [(r[1], r[4]) for r in await _rows(db)] == [
        ("2024-01-01", 10.0),
        ("2024-01-02", 26.0),  # the last line for a key wins, even within one batch
        ("2024-01-03", 30.0),
    ]


async def test_header_errors_and_unknown_targets(
    target: tuple[Database, str, str], tmp_path: Path
) -> None:
    db, space, source = target
    with pytest.raises(InvalidInput, match="missing value"):
        await import_csv(db, space, source, _write(tmp_path, "date,measure\n"), layout="long")
    with pytest.raises(InvalidInput, match="needs a date column"):
        await import_csv(db, space, source, _write(tmp_path, "day,sessions\n"))
    with pytest.raises(InvalidInput, match="without its partner"):
        await import_csv(db, space, source, _write(tmp_path, "date,dimension,sessions\n"))
    with pytest.raises(InvalidInput, match="no data rows"):
        await import_csv(db, space, source, _write(tmp_path, "date,sessions\n"))
    with pytest.raises(InvalidInput, match="empty"):
        await import_csv(db, space, source, _write(tmp_path, ""))
    with pytest.raises(NotFound, match=r"valid: .*Bookings CSV"):
        await import_csv(db, space, "Nope", _write(tmp_path, "date,sessions\n2024-01-01,1\n"))
    with pytest.raises(NotFound, match="no space"):
        await import_csv(db, "spc_missing", source, _write(tmp_path, "date,x\n2024-01-01,1\n"))


async def test_progress_is_reported_per_batch(
    target: tuple[Database, str, str], tmp_path: Path
) -> None:
    db, space, source = target
    body = "".join(f"2024-01-{d:02d},{d}\n" for d in range(1, 31))
    path = _write(tmp_path, "date,sessions\n" + body)
    seen: list[ImportProgress] = []
    report = await import_csv(db, space, source, path, batch_size=7, progress=seen.append)
    assert [p.rows for p in seen] == [7, 14, 21, 28, 30]
    assert seen[-1].bytes_read == seen[-1].total_bytes == path.stat().st_size
    assert report.values_written == 30
    async with db.read() as conn:
        total = (await conn.execute(select(func.sum(measure_values.c.value)))).scalar()
    assert total == sum(range(1, 31))
