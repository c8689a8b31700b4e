"""A real ``indicate-mcp serve`` on loopback, agent tokens made on its database, and the
third-party clients installed by ``tests/interop/setup.sh``.

Every client runs in a subprocess with a temporary HOME (Inspector, mcp-remote and npx all
write there) and a bounded timeout; a missing tool skips its tests with the reason and the
command that installs it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from interop_support import (
    CACHE,
    SETUP_HINT,
    LiveServer,
    NodeTools,
    base_env,
    indicate_cli,
    wait_healthy,
)

from live_process import free_port, stop


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work = tmp_path_factory.mktemp("interop")
    home = work / "home"
    home.mkdir()
    env = base_env(home)
    database, log, port = work / "indicate.db", work / "serve.log", free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [*indicate_cli(), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--database", str(database), "--log-level", "warning"],
            stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=work,
        )  # fmt: skip
    try:
        wait_healthy(base_url, proc, log)
        server = LiveServer(base_url, database, log, [], "", "", home, env)
        listed = server.cli("spaces", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        server.spaces = json.loads(listed.stdout)
        assert len(server.spaces) >= 2, "the demo should have several hotels"
        # Tokens made through the CLI on the same database file, not scraped from the banner.
        first = server.spaces[0]["id"]
        server.multi_token = server.create_token("interop multi", space_id=first, scope="multi")
        server.single_token = server.create_token("interop single", space_id=first, scope="single")
        yield server
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def node_tools() -> NodeTools:
    node = shutil.which("node")
    if node is None or shutil.which("npx") is None:
        pytest.skip("Node.js (node, npx) is not installed; the Node-based interop tests need it")
    node22 = CACHE / "node22" / "node_modules" / ".bin" / "node"
    modules = CACHE / "npm"
    if not node22.exists() or not (modules / "node_modules").is_dir():
        pytest.skip(f"interop Node packages are not installed in {CACHE}: {SETUP_HINT}")
    return NodeTools(node, str(node22), modules)
