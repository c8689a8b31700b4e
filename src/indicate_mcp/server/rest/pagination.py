"""Cursor pagination over lists ordered by ID.

The cursor is the URL-safe base64 of the last ID on the page (opaque to clients, readable to
us). Keyset by ID rather than an offset, so a row added or removed between two pages neither
repeats nor skips another.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import TypeVar

from starlette.datastructures import URL
from starlette.requests import Request

from indicate_mcp.server.rest.problems import FieldError, ParameterError

T = TypeVar("T")

DEFAULT_PAGE = 50
MAX_PAGE = 200
_CURSOR_MAX = 256
# Unpadded base64url, as a whole number of characters a decoder accepts. Any cursor of this
# shape is honoured (it names a point in ID order), so the document can promise exactly which
# values are valid.
CURSOR_PATTERN = r"^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$"


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        if len(cursor) > _CURSOR_MAX:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        # validate=True: the lenient default would drop stray characters and decode "!!!".
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
        # Bytes that are not UTF-8 still name a point in the ID order; IDs are ASCII.
        return raw.decode("utf-8", errors="replace")
    except (ValueError, binascii.Error):
        message = "not a cursor from this API; use the 'next' link of the previous page"
        raise ParameterError(
            f"invalid cursor: {message}",
            [FieldError(field="cursor", message=message)],
        ) from None


def paginate(
    items: Sequence[T], key: Callable[[T], str], cursor: str | None, limit: int
) -> tuple[list[T], str | None]:
    """The page after ``cursor`` and the cursor of the page after it (``None`` at the end)."""
    ordered = sorted(items, key=key)
    if cursor is not None:
        after = decode_cursor(cursor)
        ordered = [item for item in ordered if key(item) > after]
    page = ordered[:limit]
    more = len(ordered) > limit
    return page, encode_cursor(key(page[-1])) if more and page else None


def page_url(request: Request, public_url: str | None, cursor: str) -> str:
    """The absolute URL of the next page: this request's URL with the cursor replaced, on the
    configured public URL when there is one (a proxy may not pass the Host the client used)."""
    url = request.url
    if public_url:
        base = URL(public_url.rstrip("/") + url.path)
        url = base.replace(query=url.query)
    return str(url.include_query_params(cursor=cursor))


def link_header(next_url: str | None) -> dict[str, str]:
    return {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
