"""Random public identifiers: a short type prefix and base62 characters from the CSPRNG."""

from __future__ import annotations

import secrets
import string

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def random_base62(length: int) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def new_id(prefix: str) -> str:
    """``spc_4fQ9ZkT1bN0x``: readable type, 71 random bits."""
    return f"{prefix}_{random_base62(12)}"
