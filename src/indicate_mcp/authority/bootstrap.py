"""First start: an organisation, its first space and owner, and the owner's first agent token."""

from __future__ import annotations

from dataclasses import dataclass

from indicate_mcp.authority.accounts import Account, create_member
from indicate_mcp.authority.issuance import create_token
from indicate_mcp.authority.memberships import add_member
from indicate_mcp.authority.model import Actor, IssuedToken
from indicate_mcp.authority.organisations import Organisation, create_organisation
from indicate_mcp.authority.spaces import Space, create_space
from indicate_mcp.db import Database


@dataclass(frozen=True, slots=True)
class Bootstrap:
    org: Organisation
    space: Space
    owner: Account
    token: IssuedToken


async def initialise(
    db: Database,
    *,
    org_name: str,
    plan: str,
    space_name: str,
    owner_name: str,
    owner_email: str,
    token_name: str = "First agent token",  # noqa: S107
) -> Bootstrap:
    """Each step is its own audited transaction, so a failure names the step that failed; the
    operator runs this once, on purpose, which is also its billing acknowledgement."""
    operator = Actor.operator()
    org = await create_organisation(db, operator, name=org_name, plan=plan)
    space = await create_space(db, operator, org_id=org.id, name=space_name)
    owner = await create_member(db, operator, org_id=org.id, name=owner_name, email=owner_email)
    await add_member(db, operator, space_id=space.id, account_id=owner.id, role="owner")
    token = await create_token(
        db,
        operator,
        space_id=space.id,
        name=token_name,
        kind="agent",
        scope="multi",
        account_id=owner.id,
        acknowledge_billing=True,
    )
    return Bootstrap(org, space, owner, token)
