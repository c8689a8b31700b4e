"""Management tools for owners and admins: thin translations over the authority's services.

The services hold every rule (who may issue what, billing acknowledgement, last owner, ...)
and audit each change; the actor built here gives those events channel ``mcp``, the client IP
and the user agent. ``IndicateMCP`` hides these tools from everyone else and refuses calls.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from indicate_mcp import clients
from indicate_mcp.authority import accounts, audit, issuance, memberships
from indicate_mcp.authority.model import Actor, IssuedToken, TokenView
from indicate_mcp.clients import ClientConfig
from indicate_mcp.server.auth import checked_principal
from indicate_mcp.server.context import ServerContext
from indicate_mcp.server.data_tools import TenantArg, tenant_for
from indicate_mcp.server.mcp_server import IndicateMCP

TokenId = Annotated[str, Field(description="the 12-character token ID from list_tokens")]
AccountId = Annotated[str, Field(description="from list_accounts")]


class TokenInfo(BaseModel):
    id: str
    kind: str
    name: str
    masked: str
    scope: str
    status: str
    tenant_id: str
    account_id: str
    account_name: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    expires_at: datetime | None
    replaced_by_id: str | None


class TokenList(BaseModel):
    tokens: list[TokenInfo]


class NewSecret(BaseModel):
    token: TokenInfo
    secret: str = Field(description="shown only now; it cannot be retrieved again")
    url: str = Field(description="where this token works: the MCP or the REST endpoint")
    configs: list[ClientConfig] = Field(description="MCP client configs (agent tokens)")


class ClientConfigs(BaseModel):
    mcp_url: str
    configs: list[ClientConfig]


class AccountInfo(BaseModel):
    id: str
    kind: str
    name: str
    email: str | None
    roles: dict[str, str] = Field(description="tenant_id -> role")


class AccountList(BaseModel):
    accounts: list[AccountInfo]


class DeletedAccount(BaseModel):
    account_id: str
    revoked_tokens: int
    removed_memberships: int


class AuditEvent(BaseModel):
    at: datetime
    namespace: str
    action: str
    outcome: str
    actor: str | None
    channel: str
    target: str | None
    tenant_id: str | None
    detail: str | None
    client_ip: str | None


class AuditList(BaseModel):
    events: list[AuditEvent]


def _actor() -> Actor:
    p = checked_principal()
    return Actor.for_caller(p.caller, "mcp", p.client_ip, p.user_agent)


def _token(view: TokenView) -> TokenInfo:
    data = asdict(view)
    data["tenant_id"] = data.pop("space_id")
    return TokenInfo.model_validate(data)


def _account(a: accounts.Account) -> AccountInfo:
    return AccountInfo(id=a.id, kind=a.kind, name=a.name, email=a.email, roles=a.roles)


def _event(row: dict[str, Any]) -> AuditEvent:
    target = f"{row['target_type']} {row['target_id']}" if row.get("target_id") else None
    return AuditEvent(
        at=row["at"],
        namespace=row["namespace"],
        action=row["action"],
        outcome=row["outcome"],
        actor=row.get("actor_name"),
        channel=row["channel"],
        target=target,
        tenant_id=row.get("space_id"),
        detail=row.get("detail"),
        client_ip=row.get("client_ip"),
    )


def register(mcp: IndicateMCP, context: ServerContext) -> None:
    db = context.db
    base_url = context.settings.base_url
    prices = context.prices

    def issued(result: IssuedToken) -> NewSecret:
        # An API token is for the REST API: MCP client configs would not work with it.
        agent = result.token.kind == "agent"
        return NewSecret(
            token=_token(result.token),
            secret=result.secret,
            url=clients.mcp_url(base_url) if agent else f"{base_url}/api/v1",
            configs=clients.all_configs(base_url, result.secret) if agent else [],
        )

    @mcp.management_tool(description="Tokens of the tenants you manage.", read_only=True)
    async def list_tokens(
        tenant_id: str | None = None,
        status: Literal["active", "revoked", "regenerated", "all"] = "active",
        kind: Literal["agent", "api"] | None = None,
        search: Annotated[str | None, Field(description="part of the name")] = None,
    ) -> TokenList:
        views = await issuance.list_tokens(
            db, _actor(), space_id=tenant_id, status=status, kind=kind, search=search, limit=200
        )
        return TokenList(tokens=[_token(v) for v in views])

    @mcp.management_tool(
        description="Issue a token; returns its secret once, with client configs. Each agent "
        f"token is a billed seat ({prices.currency} {prices.single}/month single-tenant, "
        f"{prices.multi}/month multi): set acknowledge_billing=true to accept. API tokens "
        "need the Enterprise plan.",
    )
    async def create_token(
        name: str,
        acknowledge_billing: bool,
        tenant_id: TenantArg = None,
        kind: Literal["agent", "api"] = "agent",
        scope: Literal["single", "multi"] = "single",
        account_id: Annotated[str | None, Field(description="default: your account")] = None,
        expires_in_days: int | None = None,
    ) -> NewSecret:
        actor = _actor()
        space = tenant_for(checked_principal().caller, tenant_id)
        result = await issuance.create_token(
            db,
            actor,
            space_id=space,
            name=name,
            kind=kind,
            scope=scope,
            account_id=account_id,
            acknowledge_billing=acknowledge_billing,
            expires_in_days=expires_in_days,
        )
        return issued(result)

    @mcp.management_tool(description="Rename a token and/or reassign it to another account.")
    async def update_token(
        token_id: TokenId, name: str | None = None, account_id: str | None = None
    ) -> TokenInfo:
        return _token(
            await issuance.edit_token(db, _actor(), token_id, name=name, account_id=account_id)
        )

    @mcp.management_tool(
        description="New secret for a token (same name, account, scope, seat). The old secret "
        "stops working at once; returns the new one once.",
        destructive=True,
    )
    async def regenerate_token(token_id: TokenId) -> NewSecret:
        return issued(await issuance.regenerate_token(db, _actor(), token_id))

    @mcp.management_tool(
        description="Revoke a token for good; it stops working at once.", destructive=True
    )
    async def revoke_token(token_id: TokenId) -> TokenInfo:
        return _token(await issuance.revoke_token(db, _actor(), token_id))

    @mcp.management_tool(
        description="Client configuration (Claude, VS Code, Cursor, n8n, ...) for this server; "
        "the token goes in the client's secret prompt or environment.",
        read_only=True,
    )
    async def get_client_config(
        client: Annotated[
            str | None, Field(description=f"one of {', '.join(clients.CLIENTS)}; default all")
        ] = None,
    ) -> ClientConfigs:
        configs = (
            [clients.build_config(client, base_url=base_url, token=None)]
            if client
            else clients.all_configs(base_url, None)
        )
        return ClientConfigs(mcp_url=clients.mcp_url(base_url), configs=configs)

    @mcp.management_tool(description="Accounts (people and service accounts).", read_only=True)
    async def list_accounts(kind: Literal["member", "service"] | None = None) -> AccountList:
        actor = _actor()
        found = await accounts.list_accounts(
            db, actor, checked_principal().caller.org_id, kind=kind
        )
        return AccountList(accounts=[_account(a) for a in found])

    @mcp.management_tool(
        description="Create a service account (no login; holds tokens for an integration) "
        "and add it to a tenant with the given role."
    )
    async def create_service_account(
        name: str,
        tenant_id: TenantArg = None,
        role: Literal["admin", "user", "reader"] = "reader",
    ) -> AccountInfo:
        actor = _actor()
        caller = checked_principal().caller
        space = tenant_for(caller, tenant_id)
        member = await memberships.create_service_account_in_space(
            db, actor, space_id=space, name=name, role=role
        )
        return AccountInfo(
            id=member.account_id, kind="service", name=member.name, email=None, roles={space: role}
        )

    @mcp.management_tool(
        description="Delete an account; all of its tokens are revoked at once.", destructive=True
    )
    async def delete_account(account_id: AccountId) -> DeletedAccount:
        summary = await accounts.delete_account(db, _actor(), account_id)
        return DeletedAccount.model_validate(summary)

    @mcp.management_tool(description="Recent audit events, newest first.", read_only=True)
    async def list_audit_events(
        tenant_id: str | None = None,
        namespace: Literal["API Tokens", "Team", "Spaces", "Organisation"] | None = None,
        action: Annotated[str | None, Field(description="e.g. token.revoked")] = None,
        limit: Annotated[int, Field(ge=1, le=200)] = 50,
    ) -> AuditList:
        actor = _actor()
        f = audit.AuditFilter(
            org_id=checked_principal().caller.org_id,
            namespace=namespace,
            action=action,
            space_id=tenant_id,
        )
        rows = await audit.list_events(db, actor, f, limit=limit)
        return AuditList(events=[_event(r) for r in rows])
