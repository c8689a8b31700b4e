"""What the interop tests share: where setup.sh put the clients, the live server's handle,
and the clients' environment. Fixtures are in conftest.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from live_process import wait_until_ready

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("INDICATE_INTEROP_CACHE") or ROOT / ".cache" / "interop")
SETUP_HINT = "run tests/interop/setup.sh"
DEMO_OWNER = "owner@alpine-hotels.example"
DATA_TOOLS = ("list_tenants", "list_data_sources", "list_metrics", "query_metric", "health_check")
START_TIMEOUT = 90.0  # the demo load on first start dominates
CLIENT_TIMEOUT = 90.0


def indicate_cli() -> list[str]:
    script = Path(sys.executable).with_name("indicate-mcp")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from indicate_mcp.cli import main; main()"]


def base_env(home: Path) -> dict[str, str]:
    """The clients' environment: ours minus INDICATE_* settings and proxies, with a private
    HOME, and npm told not to reach the registry (everything is installed already)."""
    drop = ("INDICATE_", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        HOME=str(home),
        NO_PROXY="127.0.0.1,localhost",
        npm_config_offline="true",
        npm_config_update_notifier="false",
        NO_COLOR="1",
    )
    return env


@dataclass
class LiveServer:
    base_url: str
    database: Path
    log: Path
    spaces: list[dict[str, str]]
    multi_token: str  # every demo hotel: tools need tenant_id
    single_token: str  # one hotel: tenant_id may be left out
    home: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*indicate_cli(), *args, "--database", str(self.database)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
            check=False,
        )

    def create_token(self, name: str, *, space_id: str, scope: str) -> str:
        result = self.cli(
            "tokens", "create", "--space", space_id, "--name", name, "--account", DEMO_OWNER,
            "--scope", scope, "--acknowledge-billing", "--json",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        secret: str = json.loads(result.stdout)["secret"]
        return secret


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    try:
        wait_until_ready(f"{url}/healthz", proc, log=log, timeout=START_TIMEOUT)
    except (RuntimeError, TimeoutError) as failed:
        pytest.fail(f"indicate-mcp serve did not come up: {failed}")


@dataclass(frozen=True)
class NodeTools:
    node20: str  # the machine's node, as users' clients would run it
    node22: str  # Inspector 2.x and the conformance suite need Node 22
    modules: Path  # the npm install dir (node_modules inside)

    def bin(self, name: str) -> str:
        return str(self.modules / "node_modules" / ".bin" / name)


def venv_python(name: str) -> str:
    python = CACHE / f"venv-{name}" / "bin" / "python"
    if not python.exists():
        pytest.skip(f"the {name} venv is not installed in {CACHE}: {SETUP_HINT}")
    return str(python)
