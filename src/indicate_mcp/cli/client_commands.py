"""Placeholder seam: filled in by its area."""

from __future__ import annotations

import typer


def register(app: typer.Typer, tokens_app: typer.Typer) -> None:
    return None
