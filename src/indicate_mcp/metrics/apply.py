"""Declarative metric definitions: a YAML or JSON file is the desired state of a space's metrics.

Applying creates the missing metrics and updates changed ones (bumping ``version``); metrics not
in the file are left alone, so several files can each own a part of a space. ``dry_run`` plans
without writing. The format is in the README ("Metric definitions").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from indicate_mcp.db import Database
from indicate_mcp.db.metrics_tables import metric_definitions
from indicate_mcp.errors import InvalidInput
from indicate_mcp.metrics.catalog import fetch_definitions, require_space, resolve_source
from indicate_mcp.metrics.definitions import MetricDefinition

Action = Literal["create", "update", "unchanged"]


class PlannedChange(BaseModel):
    metric_id: str
    action: Action
    version: int
    changed_fields: list[str]


class ApplyResult(BaseModel):
    space_id: str
    source: str
    dry_run: bool
    changes: list[PlannedChange]

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)


def load_file(path: Path) -> list[Any]:
    """The list of metric entries in ``path``: either a top-level list or ``metrics: [...]``."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file", field="file")
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise InvalidInput(f"{path}: use a .yaml, .yml or .json file", field="file")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InvalidInput(f"{path}: not valid YAML{where}: {exc}", field="file") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path}: not valid JSON at line {exc.lineno}: {exc.msg}", field="file"
        ) from None
    if isinstance(data, dict) and isinstance(data.get("metrics"), list):
        return list(data["metrics"])
    if isinstance(data, list):
        return data
    raise InvalidInput(
        f"{path}: expected a list of metrics, or a mapping with a 'metrics' list", field="file"
    )


def _where(origin: str, index: int, entry: Any) -> str:
    name = entry.get("id") if isinstance(entry, dict) else None
    return f"{origin}: metrics[{index}]" + (f" ({name})" if name else "")


async def _parse(
    conn: AsyncConnection, space_id: str, entries: list[Any], origin: str
) -> list[MetricDefinition]:
    definitions: list[MetricDefinition] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = _where(origin, index, entry)
        if not isinstance(entry, dict):
            raise InvalidInput(f"{where}: expected a mapping of fields", field="file")
        fields = dict(entry)
        fields.pop("version", None)  # managed here; accepted so exported files re-apply
        reference = fields.pop("data_source", None) or fields.pop("data_source_id", None)
        if not isinstance(reference, str):
            raise InvalidInput(
                f"{where}.data_source: required, the ID or name of a data source of the space",
                field="data_source",
            )
        fields["data_source_id"] = (await resolve_source(conn, space_id, reference)).id
        try:
            definition = MetricDefinition.model_validate(fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            path = "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            field = path.lstrip(".") or None
            raise InvalidInput(f"{where}{path}: {message}", field=field) from None
        if definition.id in seen:
            raise InvalidInput(f"{where}: metric id {definition.id!r} appears twice", field="id")
        seen.add(definition.id)
        definitions.append(definition)
    return definitions


def _plan(
    wanted: list[MetricDefinition], existing: dict[str, MetricDefinition]
) -> list[PlannedChange]:
    changes = []
    for definition in wanted:
        current = existing.get(definition.id)
        if current is None:
            changes.append(
                PlannedChange(
                    metric_id=definition.id, action="create", version=1, changed_fields=[]
                )
            )
            continue
        old = current.model_dump(exclude={"version"})
        new = definition.model_dump(exclude={"version"})
        changed = sorted(k for k in new if new[k] != old[k])
        if changed:
            changes.append(
                PlannedChange(
                    metric_id=definition.id,
                    action="update",
                    version=current.version + 1,
                    changed_fields=changed,
                )
            )
        else:
            changes.append(
                PlannedChange(
                    metric_id=definition.id,
                    action="unchanged",
                    version=current.version,
                    changed_fields=[],
                )
            )
    return changes


async def apply_definitions(
    db: Database,
    space_id: str,
    entries: list[Any],
    *,
    dry_run: bool = False,
    origin: str = "definitions",
) -> ApplyResult:
    async with db.write() as conn:
        await require_space(conn, space_id)
        wanted = await _parse(conn, space_id, entries, origin)
        existing = {d.id: d for d in await fetch_definitions(conn, space_id)}
        changes = _plan(wanted, existing)
        if not dry_run:
            now = datetime.now(UTC)
            for definition, change in zip(wanted, changes, strict=True):
                row = {**definition.model_dump(), "version": change.version, "updated_at": now}
                if change.action == "create":
                    await conn.execute(insert(metric_definitions).values(space_id=space_id, **row))
                elif change.action == "update":
                    await conn.execute(
                        update(metric_definitions)
                        .where(
                            metric_definitions.c.space_id == space_id,
                            metric_definitions.c.id == definition.id,
                        )
                        .values(**row)
                    )
    return ApplyResult(space_id=space_id, source=origin, dry_run=dry_run, changes=changes)


async def apply_metrics(
    db: Database, space_id: str, path: Path | str, *, dry_run: bool = False
) -> ApplyResult:
    """Apply the metric definitions in a YAML or JSON file to a space."""
    path = Path(path)
    return await apply_definitions(db, space_id, load_file(path), dry_run=dry_run, origin=str(path))
