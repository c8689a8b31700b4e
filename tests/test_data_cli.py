"""The data commands on a small app built with ``register()``, against real databases."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from indicate_mcp.cli.data_commands import register
from indicate_mcp.db import Database
from metrics_support import make_space

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root, so sub-commands keep their names."""

    register(app)
    return app


def new_space(db_url: str) -> str:
    """Sync: the commands run their own event loop, so these tests cannot be async."""

    async def make() -> str:
        db = Database(db_url)
        try:
            return await make_space(db)
        finally:
            await db.dispose()

    return asyncio.run(make())


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


METRICS = """
metrics:
  - id: sessions
    name: Sessions
    data_source: Web CSV
    unit: count
    aggregation: sum
    measure: sessions
"""


def test_import_apply_query_round_trip(db_url: str, tmp_path: Path) -> None:
    space = new_space(db_url)
    csv_file = tmp_path / "web.csv"
    csv_file.write_text("date,sessions\n2024-01-01,10\n2024-01-02,20\n")
    code, stdout, _ = invoke(
        "data", "import", str(csv_file), "--space", space, "--source", "Web CSV",
        "--create-source", "--database", db_url, "--json",
    )  # fmt: skip
    assert code == 0, stdout
    report = json.loads(stdout)
    assert (report["values_written"], report["layout"]) == (2, "wide")

    metrics_file = tmp_path / "metrics.yaml"
    metrics_file.write_text(METRICS)
    code, stdout, _ = invoke(
        "metrics", "apply", str(metrics_file), "--space", space, "--dry-run", "--database", db_url
    )
    assert code == 0 and "dry run" in stdout and "create" in stdout
    code, stdout, _ = invoke(
        "metrics", "apply", str(metrics_file), "--space", space, "--database", db_url, "--json"
    )
    assert json.loads(stdout)["changes"][0]["action"] == "create"

    code, stdout, _ = invoke(
        "metrics", "query", "sessions", "--space", space, "--start", "2024-01-01",
        "--end", "2024-01-31", "-g", "month", "--database", db_url, "--json",
    )  # fmt: skip
    assert code == 0
    result = json.loads(stdout)
    assert result["series"] == [{"date": "2024-01-01", "value": 30.0, "partial": False}]
    code, stdout, _ = invoke("metrics", "list", "--space", space, "--database", db_url)
    assert code == 0 and "sessions" in stdout and "2024-01-02" in stdout
    code, stdout, _ = invoke("data", "sources", "--space", space, "--database", db_url)
    assert code == 0 and "Web CSV" in stdout


def test_bad_input_exits_non_zero_with_a_message_on_stderr(db_url: str, tmp_path: Path) -> None:
    space = new_space(db_url)
    bad = tmp_path / "bad.csv"
    bad.write_text("date,measure,value\n2024-01-01,sessions,many\n")
    code, stdout, stderr = invoke(
        "data", "import", str(bad), "--space", space, "--source", "Web", "--create-source",
        "--database", db_url,
    )  # fmt: skip
    assert code == 2 and stdout == ""
    assert "line 2: value 'many' of sessions is not a number" in stderr
    code, _, stderr = invoke(
        "data", "import", str(bad), "--space", space, "--source", "Nope", "--database", db_url
    )
    assert code == 3 and "no data source 'Nope'" in stderr
    code, _, stderr = invoke(
        "metrics", "query", "nope", "--space", space, "-g", "hour", "--database", db_url
    )
    assert code == 2 and "day, week, month, quarter, year" in stderr


def test_demo_command_loads_once(db_url: str) -> None:
    code, stdout, _ = invoke("demo", "--database", db_url, "--json")
    assert code == 0
    first = json.loads(stdout)
    assert first["created"] is True and len(first["spaces"]) == 3
    code, stdout, _ = invoke("demo", "--database", db_url)
    assert code == 0 and "Already loaded" in stdout and first["org_id"] in stdout
