"""Checks on user-supplied values, with messages that say what would be valid."""

from __future__ import annotations

import re
from collections.abc import Sequence

from indicate_mcp.authority.model import NAME_MAX
from indicate_mcp.errors import InvalidInput

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_name(value: str | None, field: str = "name") -> str:
    name = (value or "").strip()
    if not name:
        raise InvalidInput(f"{field} must not be empty (1 to {NAME_MAX} characters)", field=field)
    if len(name) > NAME_MAX:
        raise InvalidInput(
            f"{field} is {len(name)} characters long; at most {NAME_MAX} are allowed "
            f"(1 to {NAME_MAX} characters)",
            field=field,
        )
    if _CONTROL.search(name):
        raise InvalidInput(f"{field} must not contain control characters", field=field)
    return name


def clean_email(value: str | None) -> str:
    email = (value or "").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput(
            f"{value!r} is not an e-mail address (expected name@example.com)", field="email"
        )
    return email


def one_of(value: str, valid: Sequence[str], field: str) -> str:
    if value not in valid:
        raise InvalidInput(f"unknown {field} {value!r}; valid: {', '.join(valid)}", field=field)
    return value
