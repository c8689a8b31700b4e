"""The token format: pure functions, no I/O.

``ind_agent_<id>_<body>`` or ``ind_api_<id>_<body>``: ``<id>`` is 12 base62 characters, the
public token ID; ``<body>`` is 32 base62 characters of secret (184 bits from ``secrets``)
followed by 6 base62 characters of CRC32 over everything before them. The checksum lets us,
and secret scanners, reject look-alikes without a database; it is not a security control.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib
from dataclasses import dataclass
from typing import Literal

from indicate_mcp.errors import AuthenticationFailed
from indicate_mcp.ids import BASE62, random_base62

TokenKind = Literal["agent", "api"]
KINDS: tuple[TokenKind, ...] = ("agent", "api")

PREFIX = "ind_"
ID_LENGTH = 12
SECRET_LENGTH = 32
CRC_LENGTH = 6
MAX_LENGTH = 255  # what we accept before even looking, so a future format can grow

# For secret scanners (published in the README).
TOKEN_PATTERN = r"\bind_(?:agent|api)_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}\b"  # noqa: S105
_EXACT = re.compile(r"ind_(agent|api)_([0-9A-Za-z]{12})_([0-9A-Za-z]{32})([0-9A-Za-z]{6})")


@dataclass(frozen=True, slots=True)
class ParsedToken:
    kind: TokenKind
    token_id: str
    secret_hash: str


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    """A freshly minted credential. ``plaintext`` leaves the process once, to the caller."""

    kind: TokenKind
    token_id: str
    plaintext: str
    secret_hash: str


def _base62(number: int, width: int) -> str:
    chars = []
    while number:
        number, rem = divmod(number, 62)
        chars.append(BASE62[rem])
    return "".join(reversed(chars)).rjust(width, "0")


def checksum(text: str) -> str:
    return _base62(zlib.crc32(text.encode("ascii")), CRC_LENGTH)


def hash_secret(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def mint(kind: TokenKind) -> IssuedSecret:
    token_id = random_base62(ID_LENGTH)
    # 23 random bytes = 184 bits, which always fit in 32 base62 digits (62**32 > 2**190).
    body = _base62(int.from_bytes(secrets.token_bytes(23), "big"), SECRET_LENGTH)
    head = f"{PREFIX}{kind}_{token_id}_{body}"
    plaintext = head + checksum(head)
    return IssuedSecret(kind, token_id, plaintext, hash_secret(plaintext))


def parse(raw: str) -> ParsedToken:
    """Check shape and checksum; raise ``AuthenticationFailed`` with the reason if either fails."""
    if len(raw) > MAX_LENGTH:
        raise AuthenticationFailed("malformed")
    match = _EXACT.fullmatch(raw)
    if match is None:
        raise AuthenticationFailed("malformed")
    kind, token_id, _body, crc = match.groups()
    if not secrets.compare_digest(checksum(raw[:-CRC_LENGTH]), crc):
        raise AuthenticationFailed("bad_checksum")
    return ParsedToken("agent" if kind == "agent" else "api", token_id, hash_secret(raw))


def mask(kind: str, token_id: str) -> str:
    """What lists show: prefix and public ID, no secret characters at all."""
    return f"{PREFIX}{kind}_{token_id}_…"
