"""Logging that cannot leak a token.

Tokens are never logged on purpose, but three things could still carry one to a log line: a
client that puts a token in the query string (uvicorn's access log prints the full path), the
SDK's DEBUG logging of whole protocol messages (a created token's secret is in one), and an
exception message quoting a header. A filter on every handler masks anything shaped like a
token or a Bearer credential, and the SDK's loggers never go below INFO.
"""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"ind_(agent|api)_([0-9A-Za-z]{1,12})[0-9A-Za-z_]*")
_BEARER = re.compile(r"(?i)(bearer)\s+[^\s\"',]+")
_CHATTY = ("mcp", "sse_starlette", "httpx", "httpx2", "httpcore", "httpcore2")


def redact(text: str) -> str:
    text = _TOKEN.sub(lambda m: f"ind_{m.group(1)}_{m.group(2)}_…", text)
    return _BEARER.sub(r"\1 ***", text)


class RedactTokens(logging.Filter):
    """Rewrites the message and its arguments in place: formatters such as uvicorn's access
    formatter unpack ``record.args`` themselves, so the record keeps its shape."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install(level: str | int = "INFO") -> None:
    """Idempotent: called by the CLI and again in each uvicorn worker."""
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        numeric = logging.INFO
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=numeric, format="%(levelname)s %(name)s: %(message)s")
    root.setLevel(numeric)
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactTokens) for f in handler.filters):
                handler.addFilter(RedactTokens())
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
    # Alembic narrates every check of an up-to-date schema; only a real migration is news.
    logging.getLogger("alembic").setLevel(max(numeric, logging.WARNING))
    logging.getLogger("alembic.runtime.migration").setLevel(max(numeric, logging.WARNING))
