"""CSV import of daily measure values.

Two layouts (see the README, "CSV import"):

    long   date,measure,value[,dimension,dimension_value]
    wide   date[,dimension,dimension_value],<measure>,<measure>,...

The file is read in batches on a worker thread and written batch by batch inside one write
transaction, so memory stays flat however long the file is, and a failed import rolls back to
nothing. Every row is validated; by default any bad row fails the whole import (after reading
the file to the end, so all bad lines are reported at once); ``skip_invalid`` loads the rest.
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from indicate_mcp.db import Database
from indicate_mcp.errors import InvalidInput
from indicate_mcp.metrics.catalog import require_space, resolve_source
from indicate_mcp.metrics.definitions import check_name
from indicate_mcp.metrics.store import write_values

Layout = Literal["auto", "long", "wide"]
LAYOUTS: tuple[str, ...] = ("auto", "long", "wide")
BATCH = 10_000
_REPORTED = 50  # bad lines named in an error or report; the count is always exact
_LONG = ("date", "measure", "value")
_DIMENSION = ("dimension", "dimension_value")


@dataclass(frozen=True, slots=True)
class ImportProgress:
    rows: int
    bytes_read: int
    total_bytes: int


class SkippedLine(BaseModel):
    line: int
    message: str


class ImportReport(BaseModel):
    space_id: str
    data_source_id: str
    layout: str
    rows_read: int
    values_written: int
    skipped_count: int
    skipped: list[SkippedLine]
    measures: list[str]
    first_date: date | None
    last_date: date | None


@dataclass(slots=True)
class _Batch:
    values: list[dict[str, Any]] = field(default_factory=list)
    problems: list[SkippedLine] = field(default_factory=list)
    done: bool = False
    rows: int = 0  # data rows read up to the end of this batch
    bytes_read: int = 0


class _Problem(Exception):
    pass


def _day(text: str) -> date:
    text = text.strip()
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise _Problem(f"date {text!r} is not written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Problem(f"date {text!r} is not a real calendar date") from None


def _number(text: str, measure: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _Problem(f"value {text!r} of {measure} is not a number (use 1234.5)") from None
    if not math.isfinite(value):
        raise _Problem(f"value {text!r} of {measure} is not a finite number")
    return value


def _name(text: str, what: str) -> str:
    try:
        return check_name(text.strip(), what)
    except ValueError as exc:
        raise _Problem(str(exc)) from None


class _Batches:
    """The sync half: parses and validates rows, one batch per call, on a worker thread."""

    def __init__(self, path: Path, layout: Layout, source_id: str) -> None:
        self.path = path
        self.total_bytes = path.stat().st_size
        self._raw = path.open("rb")
        self._text = io.TextIOWrapper(self._raw, encoding="utf-8-sig", newline="")
        self._reader = csv.reader(self._text)
        self.source_id = source_id
        header = next(self._reader, None)
        if header is None:
            raise InvalidInput(f"{path}: the file is empty; expected a header line", field="file")
        self.columns = [h.strip().lower() for h in header]
        self.layout = self._layout(layout)
        self.rows = 0

    def _layout(self, layout: Layout) -> Literal["long", "wide"]:
        columns = self.columns
        if layout == "auto":
            layout = "long" if {"measure", "value"} <= set(columns) else "wide"
        dimension = [c for c in columns if c in _DIMENSION]
        if dimension and sorted(dimension) != sorted(_DIMENSION):
            raise InvalidInput(
                f"{self.path}: line 1 has {dimension[0]} without its partner; use both "
                "dimension and dimension_value columns or neither",
                field="file",
            )
        if len(set(columns)) != len(columns):
            raise InvalidInput(f"{self.path}: line 1 repeats a column name", field="file")
        if layout == "long":
            allowed = set(_LONG) | set(_DIMENSION)
            missing = [c for c in _LONG if c not in columns]
            extra = [c for c in columns if c not in allowed]
            if missing or extra:
                raise InvalidInput(
                    f"{self.path}: the long layout needs the columns date,measure,value "
                    "[,dimension,dimension_value]; "
                    + (f"missing {', '.join(missing)}" if missing else f"unknown {extra[0]!r}"),
                    field="file",
                )
            return "long"
        if "date" not in columns:
            raise InvalidInput(
                f"{self.path}: the wide layout needs a date column, then one column per measure",
                field="file",
            )
        self.measures = [c for c in columns if c != "date" and c not in _DIMENSION]
        if not self.measures:
            raise InvalidInput(f"{self.path}: no measure columns after date", field="file")
        for measure in self.measures:
            try:
                check_name(measure, "measure column")
            except ValueError as exc:
                raise InvalidInput(f"{self.path}: line 1: {exc}", field="file") from None
        return "wide"

    def _dimension(self, cells: dict[str, str]) -> tuple[str, str]:
        dimension = cells.get("dimension", "").strip()
        value = cells.get("dimension_value", "").strip()
        if bool(dimension) != bool(value):
            raise _Problem("dimension and dimension_value must both be set, or both empty")
        if dimension:
            _name(dimension, "dimension")
            if len(value) > 128:
                raise _Problem("dimension_value is longer than 128 characters")
        return dimension, value

    def _parse(self, fields: list[str]) -> Iterator[dict[str, Any]]:
        if len(fields) != len(self.columns):
            raise _Problem(f"expected {len(self.columns)} fields, found {len(fields)}")
        cells = dict(zip(self.columns, fields, strict=True))
        day = _day(cells["date"])
        dimension, dimension_value = self._dimension(cells)
        base = {
            "data_source_id": self.source_id,
            "day": day,
            "dimension": dimension,
            "dimension_value": dimension_value,
        }
        if self.layout == "long":
            measure = _name(cells["measure"], "measure")
            if not cells["value"].strip():
                raise _Problem(f"value of {measure} is empty")
            yield {**base, "measure": measure, "value": _number(cells["value"], measure)}
            return
        for measure in self.measures:
            if cells[measure].strip():  # an empty cell means "no value that day"
                yield {**base, "measure": measure, "value": _number(cells[measure], measure)}

    def next_batch(self, size: int) -> _Batch:
        batch = _Batch()
        values, problems = batch.values, batch.problems
        for fields in self._reader:
            if not fields or not any(f.strip() for f in fields):
                continue  # blank lines carry nothing
            self.rows += 1
            try:
                values.extend(self._parse(fields))
            except _Problem as exc:
                problems.append(SkippedLine(line=self._reader.line_num, message=str(exc)))
            if self.rows % size == 0:
                return self._seal(batch, done=False)
        return self._seal(batch, done=True)

    def _seal(self, batch: _Batch, *, done: bool) -> _Batch:
        batch.done, batch.rows, batch.bytes_read = done, self.rows, self._raw.tell()
        return batch

    def close(self) -> None:
        self._text.close()


def _bad_file(path: Path, problems: list[SkippedLine], count: int) -> InvalidInput:
    shown = "; ".join(f"line {p.line}: {p.message}" for p in problems[:20])
    more = f" (and {count - 20} more)" if count > 20 else ""
    return InvalidInput(
        f"{path}: {count} invalid row(s), nothing was imported: {shown}{more}. "
        "Fix them, or import with skip_invalid to load the valid rows.",
        field="file",
    )


async def import_csv(
    db: Database,
    space_id: str,
    source: str,
    path: Path | str,
    *,
    layout: Layout = "auto",
    skip_invalid: bool = False,
    progress: Callable[[ImportProgress], None] | None = None,
    batch_size: int = BATCH,
) -> ImportReport:
    """Upsert the file's values into data source ``source`` (ID or name) of the space."""
    path = Path(path)
    if layout not in LAYOUTS:
        raise InvalidInput(f"layout {layout!r} is not valid; use one of: auto, long, wide")
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file", field="file")
    async with db.write() as conn:
        await require_space(conn, space_id)
        data_source = await resolve_source(conn, space_id, source)
        batches = await asyncio.to_thread(_Batches, path, layout, data_source.id)
        problems: list[SkippedLine] = []
        problem_count = written = 0
        measures: set[str] = set()
        first: date | None = None
        last: date | None = None
        try:
            done = False
            while not done:
                batch = await asyncio.to_thread(batches.next_batch, batch_size)
                done = batch.done
                problem_count += len(batch.problems)
                problems.extend(batch.problems[: max(0, _REPORTED - len(problems))])
                if progress is not None:
                    progress(ImportProgress(batch.rows, batch.bytes_read, batches.total_bytes))
                if problem_count and not skip_invalid:
                    continue  # keep reading only to report every bad line; write nothing more
                values = batch.values
                await write_values(conn, db.dialect, values)
                written += len(values)
                measures.update(row["measure"] for row in values)
                if values:
                    days = [row["day"] for row in values]
                    first = min(days) if first is None else min(first, min(days))
                    last = max(days) if last is None else max(last, max(days))
        finally:
            batches.close()
        if problem_count and not skip_invalid:
            raise _bad_file(path, problems, problem_count)
        if batches.rows == 0:
            raise InvalidInput(f"{path}: the file has a header but no data rows", field="file")
    return ImportReport(
        space_id=space_id,
        data_source_id=data_source.id,
        layout=batches.layout,
        rows_read=batches.rows,
        values_written=written,
        skipped_count=problem_count,
        skipped=problems,
        measures=sorted(measures),
        first_date=first,
        last_date=last,
    )
