"""The official MCP conformance suite (server scenarios) against the real server, through a
loopback proxy that adds the agent token, judged against a reviewed baseline: a scenario that
newly fails, or a listed one that now passes, fails this test."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from auth_proxy import auth_proxy
from interop_support import HERE, LiveServer, NodeTools

from live_process import free_port

pytestmark = pytest.mark.interop

BASELINE = HERE / "conformance-baseline.yml"


def baseline_entries() -> list[str]:
    return re.findall(r"^  - ([a-z0-9-]+)\s*$", BASELINE.read_text(), re.MULTILINE)


def test_server_scenarios_match_the_baseline(
    live_server: LiveServer, node_tools: NodeTools, tmp_path: Path
) -> None:
    with auth_proxy(live_server.base_url, live_server.single_token, free_port()) as url:
        result = subprocess.run(
            [
                node_tools.node22, node_tools.bin("conformance"), "server",
                "--url", f"{url}/mcp", "--expected-failures", str(BASELINE),
                "-o", str(tmp_path / "results"),
            ],
            env=live_server.env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
            check=False,
        )  # fmt: skip
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    summary = output[output.rfind("=== SUMMARY ===") :]
    assert result.returncode == 0, summary + result.stderr[-2000:]
    expected = set(re.findall(r"^  ~ ([a-z0-9-]+)$", summary, re.MULTILINE))
    assert expected == set(baseline_entries()), summary
    passed = set(re.findall(r"^✓ ([a-z0-9-]+): [1-9]\d* passed, 0 failed", summary, re.MULTILINE))
    for core in ("server-initialize", "ping", "tools-list", "tools-call-error"):
        assert core in passed, summary
    assert "dns-rebinding-protection: 2 passed, 0 failed" in summary
