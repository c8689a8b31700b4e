"""Write the example client configs from ``indicate_mcp.clients``.

    python examples/generate.py          # rewrite the files
    python examples/generate.py --check  # exit 1 if any file is stale (tests run this check)

The examples use the default local URL and no token, so they show the form every user can keep:
the secret comes from the client's own prompt or from an environment variable.
"""

from __future__ import annotations

import sys
from pathlib import Path

from indicate_mcp.clients import CLIENTS, build_config

HERE = Path(__file__).resolve().parent
BASE_URL = "http://127.0.0.1:8000"
_SUFFIX = {"json": "json", "shell": "sh", "python": "py", "text": "txt", "url": "url"}


def expected_files() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for client in CLIENTS:
        config = build_config(client, base_url=BASE_URL, token=None)
        files[HERE / "clients" / f"{client}.{_SUFFIX[config.format]}"] = config.content
    # The generic mcpServers file most tools read (Claude Code's .mcp.json form).
    generic = build_config("claude-code-json", base_url=BASE_URL, token=None)
    files[HERE / "mcp.json"] = generic.content
    return files


def main(argv: list[str]) -> int:
    stale = []
    for path, content in expected_files().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == content:
            continue
        stale.append(path.relative_to(HERE.parent))
        if "--check" not in argv:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
    if stale and "--check" in argv:
        print("stale examples (run python examples/generate.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
