"""One exception tree for the whole project.

Each surface maps it once: MCP turns it into a tool error, REST into problem+json, the CLI into
an exit code. Messages are written for the person or agent who has to fix the call, so they say
what would have been valid. They never contain a token's secret.

    IndicateError
     ├── InvalidInput        400  bad or missing value; ``field`` names it
     ├── NotFound            404  unknown ID; lists what exists where that is safe
     ├── PermissionDenied    403  the actor's role does not allow this
     ├── PlanRequired        403  the organisation's plan lacks the feature
     ├── Conflict            409  state changed under us, or duplicate
     └── AuthenticationFailed 401 a credential was refused (reason kept for the audit log)
          └── WrongTokenKind  403 a valid token of the other kind
"""

from __future__ import annotations

from typing import ClassVar


class IndicateError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(IndicateError):
    status = 400
    code = "invalid_input"
    exit_code = 2


class NotFound(IndicateError):
    status = 404
    code = "not_found"
    exit_code = 3


class PermissionDenied(IndicateError):
    status = 403
    code = "permission_denied"
    exit_code = 4


class PlanRequired(IndicateError):
    status = 403
    code = "plan_required"
    exit_code = 4


class Conflict(IndicateError):
    status = 409
    code = "conflict"
    exit_code = 5


class AuthenticationFailed(IndicateError):
    """A credential was refused. ``reason`` is for the audit log and server logs only;
    callers always see the same generic message so they learn nothing about the token."""

    status = 401
    code = "invalid_token"
    exit_code = 6
    public_message: ClassVar[str] = "The access token is missing, invalid, revoked or expired."

    def __init__(self, reason: str) -> None:
        super().__init__(self.public_message)
        self.reason = reason


class WrongTokenKind(AuthenticationFailed):
    status = 403
    code = "wrong_token_kind"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.message = message
        self.args = (message,)
