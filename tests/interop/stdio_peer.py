"""Speak newline-delimited JSON-RPC to an MCP server over its stdin/stdout, as a host such as
Claude Desktop does, with a bound on every wait."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from pathlib import Path
from typing import Any


class PeerClosed(Exception):
    """The process closed stdout (or exited) before answering."""


class StdioPeer:
    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.argv, self.env, self.cwd = argv, env, cwd
        self.proc: asyncio.subprocess.Process | None = None
        self.next_id = 1
        self.stderr = bytearray()
        self._drain: asyncio.Task[None] | None = None

    async def __aenter__(self) -> StdioPeer:
        # A session of its own, so npx and the node it starts stop together.
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
            limit=16 * 1024 * 1024,
        )
        self._drain = asyncio.create_task(self._read_stderr())
        return self

    async def _read_stderr(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        while chunk := await self.proc.stderr.read(4096):
            self.stderr += chunk

    async def __aexit__(self, *exc: object) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                await self.proc.wait()
        if self._drain is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._drain, 5)

    async def _send(self, message: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        await self.proc.stdin.drain()

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        await self._send({"jsonrpc": "2.0", "method": method, "params": params or {}})

    async def request(
        self, method: str, params: dict[str, Any] | None = None, *, within: float = 30
    ) -> dict[str, Any]:
        """The response (``result`` or ``error``) to this request; notifications and
        server-to-client requests in between are skipped."""
        assert self.proc is not None and self.proc.stdout is not None
        request_id = self.next_id
        self.next_id += 1
        await self._send(
            {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}
        )

        async def answer() -> dict[str, Any]:
            assert self.proc is not None and self.proc.stdout is not None
            while line := await self.proc.stdout.readline():
                message: dict[str, Any] = json.loads(line)
                if message.get("id") == request_id and "method" not in message:
                    return message
            raise PeerClosed(f"{method}: stdout closed; stderr:\n{self.stderr.decode()[-2000:]}")

        return await asyncio.wait_for(answer(), within)

    async def initialize(self, *, within: float = 60) -> dict[str, Any]:
        response = await self.request(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "indicate-interop-host", "version": "1.0.0"},
            },
            within=within,
        )
        if "result" in response:
            await self.notify("notifications/initialized")
        return response
