"""Names and shapes of the token authority: plans, roles, tokens, the actor who asks and the
caller a token resolves to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

Plan = Literal["core", "pro", "enterprise"]
PLANS: tuple[Plan, ...] = ("core", "pro", "enterprise")
Role = Literal["owner", "admin", "user", "reader"]
ROLES: tuple[Role, ...] = ("owner", "admin", "user", "reader")
ROLE_RANK: dict[str, int] = {"reader": 1, "user": 2, "admin": 3, "owner": 4}
MANAGER_ROLES: frozenset[str] = frozenset({"owner", "admin"})
AccountKind = Literal["member", "service"]
Scope = Literal["single", "multi"]
SCOPES: tuple[Scope, ...] = ("single", "multi")
TokenStatus = Literal["active", "revoked", "regenerated"]
STATUSES: tuple[TokenStatus, ...] = ("active", "revoked", "regenerated")
Channel = Literal["cli", "mcp", "api", "console"]
Surface = Literal["mcp", "api"]
AUDIT_RETENTION_DAYS: dict[str, int] = {"core": 2, "pro": 50, "enterprise": 500}
NAME_MAX = 128


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SpaceAccess:
    space_id: str
    space_name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a token speaks for, computed at request time."""

    token_id: str
    kind: Literal["agent", "api"]
    scope: Scope
    token_name: str
    account_id: str
    account_name: str
    account_kind: AccountKind
    org_id: str
    plan: Plan
    spaces: tuple[SpaceAccess, ...]

    @property
    def masked_token(self) -> str:
        from indicate_mcp.authority.tokens import mask

        return mask(self.kind, self.token_id)

    def role_in(self, space_id: str) -> Role | None:
        for access in self.spaces:
            if access.space_id == space_id:
                return access.role
        return None

    @property
    def is_manager(self) -> bool:
        return any(a.role in MANAGER_ROLES for a in self.spaces)

    def require_space(self, space_id: str | None, *, noun: str = "space") -> SpaceAccess:
        """The space a request is about: the one named, if this token reaches it now, or the
        only one it reaches when none is named. A foreign space and a missing one get the same
        answer, so a token cannot probe which space IDs exist elsewhere."""
        from indicate_mcp.errors import InvalidInput, NotFound

        field = f"{'tenant' if noun == 'tenant' else 'space'}_id"
        valid = "; ".join(f"{a.space_id} ({a.space_name})" for a in self.spaces)
        if space_id is None:
            if len(self.spaces) == 1:
                return self.spaces[0]
            raise InvalidInput(
                f"this token reaches {len(self.spaces)} {noun}s; pass {field}, one of: {valid}",
                field=field,
            )
        for access in self.spaces:
            if access.space_id == space_id:
                return access
        raise NotFound(
            f"{noun} {space_id!r} is not reachable with this token; valid: {valid}", field=field
        )


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs a management action, through which channel.

    ``operator`` is the local command line with no account: it may do anything and is audited
    as such. An account actor is checked against its live memberships; when it acts through a
    token, ``reach`` limits it further to the spaces that token reaches.
    """

    kind: Literal["operator", "account", "anonymous"]
    channel: Channel
    account_id: str | None = None
    name: str = "local operator"
    org_id: str | None = None
    token_id: str | None = None
    reach: frozenset[str] | None = None
    client_ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def operator(cls, channel: Channel = "cli") -> Actor:
        return cls(kind="operator", channel=channel)

    @classmethod
    def for_account(
        cls, account_id: str, name: str, org_id: str, channel: Channel = "cli"
    ) -> Actor:
        return cls(kind="account", channel=channel, account_id=account_id, name=name, org_id=org_id)

    @classmethod
    def for_caller(
        cls,
        caller: Caller,
        channel: Channel,
        client_ip: str | None = None,
        user_agent: str | None = None,
    ) -> Actor:
        return cls(
            kind="account",
            channel=channel,
            account_id=caller.account_id,
            name=caller.account_name,
            org_id=caller.org_id,
            token_id=caller.token_id,
            reach=frozenset(a.space_id for a in caller.spaces),
            client_ip=client_ip,
            user_agent=user_agent,
        )

    @property
    def is_operator(self) -> bool:
        return self.kind == "operator"

    @property
    def label(self) -> str:
        return self.name if self.is_operator else f"{self.name} ({self.account_id})"


@dataclass(frozen=True, slots=True)
class TokenView:
    """A token as lists show it: never the secret."""

    id: str
    kind: str
    name: str
    masked: str
    scope: str
    status: str
    space_id: str
    account_id: str
    account_name: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None
    replaces_id: str | None
    replaced_by_id: str | None
    billing_start: date | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """Returned by create and regenerate: the only place the plaintext appears."""

    token: TokenView
    secret: str = field(repr=False)
