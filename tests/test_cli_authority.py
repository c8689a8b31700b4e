"""The authority's command line, end to end through ``CliRunner`` on both databases."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from indicate_mcp.authority.resolver import Resolver
from indicate_mcp.authority.tokens import TOKEN_PATTERN
from indicate_mcp.cli import app
from indicate_mcp.db import Database
from indicate_mcp.db.migrate import head_revision
from indicate_mcp.errors import AuthenticationFailed

runner = CliRunner()


class Cli:
    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, *args: str, code: int = 0) -> Result:
        result = runner.invoke(app, [*args, "--database", self.url])
        assert result.exit_code == code, (
            f"{args}: exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
            f"\n{result.exception!r}"
        )
        if code != 0:
            assert result.stderr.strip(), f"{args}: no message on stderr"
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)


def resolve(url: str, secret: str, surface: str = "mcp") -> Any:
    async def go() -> Any:
        db = Database(url)
        try:
            return await Resolver(db).resolve(secret, surface)  # type: ignore[arg-type]
        finally:
            await db.dispose()

    return asyncio.run(go())


def refused_reason(url: str, secret: str, surface: str = "mcp") -> str:
    with pytest.raises(AuthenticationFailed) as caught:
        resolve(url, secret, surface)
    return caught.value.reason


def test_full_lifecycle(db_url: str, tmp_path: Path) -> None:
    cli = Cli(db_url)
    init = cli.json(
        "init",
        "--org-name",
        "Alpine Test Group",
        "--space-name",
        "Mountain Resort",
        "--owner-name",
        "Olga Owner",
        "--owner-email",
        "Olga@Alpine.example",
        "--plan",
        "enterprise",
    )
    first_secret = init["secret"]
    assert re.fullmatch(TOKEN_PATTERN, first_secret)
    assert init["token"]["scope"] == "multi"
    assert init["owner"]["email"] == "olga@alpine.example"
    org_id, hotel = init["organisation"]["id"], init["space"]["id"]
    owner_caller = resolve(db_url, first_secret)
    assert owner_caller.account_id == init["owner"]["id"]
    assert [s.role for s in owner_caller.spaces] == ["owner"]

    assert [o["plan"] for o in cli.json("orgs", "list")] == ["enterprise"]

    bot = cli.json("accounts", "create", "--service", "--name", "n8n bot")
    assert (bot["kind"], bot["email"]) == ("service", None)
    ulla = cli.json("accounts", "create", "--name", "Ulla User", "--email", "ulla@alpine.example")
    assert cli.json("members", "add", hotel, bot["id"], "--role", "user")["role"] == "user"
    assert cli.json("members", "add", hotel, "ulla@alpine.example", "--role", "admin")["role"] == (
        "admin"
    )
    assert cli.json("members", "set-role", hotel, ulla["id"], "user")["role"] == "user"
    roles = {m["account_id"]: m["role"] for m in cli.json("members", "list", hotel)}
    assert roles == {init["owner"]["id"]: "owner", bot["id"]: "user", ulla["id"]: "user"}
    listed = {a["id"]: a for a in cli.json("accounts", "list")}
    assert set(listed) == {init["owner"]["id"], bot["id"], ulla["id"]}

    lake = cli.json("spaces", "create", "Lake Hotel")
    renamed = cli.json("spaces", "rename", lake["id"], "Lakeside")
    assert (renamed["id"], renamed["name"]) == (lake["id"], "Lakeside")
    assert {s["name"] for s in cli.json("spaces", "list")} == {"Mountain Resort", "Lakeside"}

    created = cli.json(
        "tokens",
        "create",
        "--space",
        hotel,
        "--name",
        "Marketing n8n",
        "--account",
        bot["id"],
        "--acknowledge-billing",
    )
    secret, token_id = created["secret"], created["token"]["id"]
    assert re.fullmatch(TOKEN_PATTERN, secret)
    assert secret.startswith(f"ind_agent_{token_id}_")
    assert created["token"]["account_id"] == bot["id"]
    assert resolve(db_url, secret).token_id == token_id

    listing = cli("tokens", "list", "--json").stdout
    assert secret not in listing and first_secret not in listing
    views = json.loads(listing)
    assert {v["id"] for v in views} == {token_id, init["token"]["id"]}
    assert all("secret" not in v for v in views)
    assert {v["masked"] for v in views} == {
        f"ind_agent_{token_id}_…",
        f"ind_agent_{init['token']['id']}_…",
    }
    text_list = cli("tokens", "list").stdout
    assert token_id in text_list and secret not in text_list

    shown = cli.json("tokens", "show", token_id)
    assert (shown["name"], shown["status"], shown["space_id"]) == (
        "Marketing n8n",
        "active",
        hotel,
    )
    assert secret not in cli("tokens", "show", token_id).stdout

    edited = cli.json(
        "tokens", "edit", token_id, "--name", "Marketing Make", "--account", "ulla@alpine.example"
    )
    assert (edited["name"], edited["account_id"]) == ("Marketing Make", ulla["id"])
    assert resolve(db_url, secret).account_id == ulla["id"]

    regenerated = cli.json("tokens", "regenerate", token_id)
    new_secret, new_id = regenerated["secret"], regenerated["token"]["id"]
    assert new_secret != secret and new_id != token_id
    assert regenerated["token"]["replaces_id"] == token_id
    assert regenerated["token"]["name"] == "Marketing Make"
    assert refused_reason(db_url, secret) == "regenerated"
    assert resolve(db_url, new_secret).token_id == new_id

    revoked = cli.json("tokens", "revoke", new_id)
    assert revoked["status"] == "revoked"
    assert refused_reason(db_url, new_secret) == "revoked"
    assert "already revoked" in cli("tokens", "revoke", new_id, code=5).stderr

    events = cli.json("audit", "list", "--namespace", "API Tokens", "--outcome", "success")
    assert [e["action"] for e in events] == [
        "token.revoked",
        "token.regenerated",
        "token.updated",
        "token.created",
        "token.created",
    ]
    assert cli.json("audit", "list", "--target", new_id, "--action", "token.revoked")[0][
        "target_id"
    ] == (new_id)
    exported = tmp_path / "audit.jsonl"
    result = cli("audit", "export", "-o", str(exported), "--namespace", "Spaces")
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert [(e["action"], e["after"]) for e in lines] == [
        ("space.created", {"name": "Mountain Resort"}),
        ("space.created", {"name": "Lake Hotel"}),
        ("space.renamed", {"name": "Lakeside"}),
    ]
    assert "Wrote 3 event(s)" in result.stdout
    purge = cli.json("audit", "purge", "--dry-run")
    assert purge == {"dry_run": True, "removed": {org_id: 0}}

    bill = cli.json("billing")
    assert (bill["single_space_seats"], bill["multi_space_seats"]) == (0, 1)
    assert (bill["monthly_total"], bill["currency"]) == ("100.00", "EUR")
    assert [s["token_id"] for s in bill["seats"]] == [init["token"]["id"]]

    api = cli.json("tokens", "create", "--space", hotel, "--name", "ERP", "--kind", "api",
                   "--account", bot["id"])  # fmt: skip
    assert resolve(db_url, api["secret"], "api").kind == "api"
    changed = cli.json("orgs", "set-plan", org_id, "pro")
    assert changed["plan"] == "pro"
    cli("tokens", "create", "--space", hotel, "--name", "ERP 2", "--kind", "api", "--account",
        bot["id"], code=4)  # fmt: skip

    cli("members", "remove", hotel, "ulla@alpine.example")
    assert ulla["id"] not in {m["account_id"] for m in cli.json("members", "list", hotel)}
    deleted = cli.json("accounts", "delete", bot["id"])
    assert deleted["revoked_tokens"] == 1
    assert refused_reason(db_url, api["secret"], "api") == "revoked"

    head = head_revision()
    assert cli.json("db", "upgrade") == {"before": head, "after": head}
    assert f"already at revision {head}" in cli("db", "upgrade").stdout


def test_bad_input_exits_with_the_right_code_and_says_what_is_valid(db_url: str) -> None:
    cli = Cli(db_url)
    init = cli(
        "init",
        "--org-name",
        "Core Hotel",
        "--space-name",
        "Main",
        "--owner-name",
        "Olga",
        "--owner-email",
        "olga@core.example",
    )
    found = re.findall(TOKEN_PATTERN, init.stdout)
    assert len(found) == 1
    assert "shown only once" in init.stdout
    assert resolve(db_url, found[0]).plan == "core"
    space = cli.json("spaces", "list")[0]["id"]
    cli.json("accounts", "create", "--name", "Rita Reader", "--email", "rita@core.example")
    cli("members", "add", space, "rita@core.example", "--role", "reader")

    def fails(code: int, *args: str, says: tuple[str, ...]) -> None:
        result = cli(*args, code=code)
        for text in says:
            assert text in result.stderr, (args, result.stderr)

    fails(
        2,
        "tokens", "create", "--space", space, "--name", "x", "--account", "olga@core.example",
        says=("--acknowledge-billing",),
    )  # fmt: skip
    fails(
        3,
        "tokens", "create", "--space", "spc_nope", "--name", "x", "--account",
        "olga@core.example", "--acknowledge-billing",
        says=("spc_nope", "spaces list"),
    )  # fmt: skip
    fails(
        4,
        "tokens", "create", "--space", space, "--name", "x", "--kind", "api", "--account",
        "olga@core.example",
        says=("Enterprise", "core"),
    )  # fmt: skip
    fails(
        2,
        "tokens", "create", "--space", space, "--name", "x", "--scope", "all", "--account",
        "olga@core.example", "--acknowledge-billing",
        says=("single, multi",),
    )  # fmt: skip
    fails(
        2,
        "tokens", "create", "--space", space, "--name", "x" * 129, "--account",
        "olga@core.example", "--acknowledge-billing",
        says=("128",),
    )  # fmt: skip
    fails(
        4,
        "tokens", "create", "--space", space, "--name", "x", "--acknowledge-billing",
        "--as", "rita@core.example",
        says=("owners and admins",),
    )  # fmt: skip
    fails(4, "tokens", "list", "--as", "rita@core.example", says=("manages no space",))
    fails(4, "audit", "list", "--as", "rita@core.example", says=("owners and admins",))
    fails(4, "billing", "--as", "rita@core.example", says=("owners and admins",))
    fails(3, "tokens", "show", "abcdefghijkl", says=("tokens list",))
    fails(3, "tokens", "list", "--as", "nobody@core.example", says=("accounts list",))
    fails(2, "tokens", "list", "--status", "dead", says=("active, revoked, regenerated",))
    fails(2, "members", "add", space, "rita@core.example", "--role", "boss",
          says=("owner, admin, user, reader",))  # fmt: skip
    fails(2, "members", "set-role", space, "rita@core.example", "god",
          says=("owner, admin, user, reader",))  # fmt: skip
    fails(5, "members", "add", space, "rita@core.example", "--role", "user",
          says=("already a member",))  # fmt: skip
    fails(5, "members", "set-role", space, "olga@core.example", "admin", says=("only owner",))
    fails(5, "accounts", "delete", "olga@core.example", says=("only owner",))
    fails(4, "spaces", "rename", space, "Mine", "--as", "rita@core.example",
          says=("owners and admins",))  # fmt: skip
    fails(2, "spaces", "rename", space, "y" * 129, says=("1 to 128",))
    fails(5, "accounts", "create", "--name", "Dup", "--email", "RITA@core.example",
          says=("rita@core.example", "already belongs"))  # fmt: skip
    fails(2, "accounts", "create", "--name", "Bad", "--email", "not-an-email",
          says=("name@example.com",))  # fmt: skip
    fails(2, "accounts", "create", "--name", "Both", "--email", "a@b.example", "--service",
          says=("--service",))  # fmt: skip
    fails(2, "orgs", "set-plan", "org_x", "gold", says=("core, pro, enterprise",))
    fails(2, "audit", "list", "--namespace", "Bogus", says=("API Tokens",))
    fails(2, "audit", "list", "--since", "yesterday", says=("YYYY-MM-DD",))
    fails(2, "billing", "--as-of", "2024-13-01", says=("YYYY-MM-DD",))

    # Nothing above created a token or changed a role.
    tokens = cli.json("tokens", "list")
    assert len(tokens) == 1
    roles = sorted(m["role"] for m in cli.json("members", "list", space))
    assert roles == ["owner", "reader"]
    denied = cli.json("audit", "list", "--outcome", "denied")
    by_actor = {(e["actor_name"], e["action"]) for e in denied}
    # Rita's role refusals, and the operator's API token refused by the core plan.
    assert by_actor == {
        ("Rita Reader", "token.created"),
        ("Rita Reader", "space.renamed"),
        ("local operator", "token.created"),
    }
    plan_refusal = next(e for e in denied if e["actor_name"] == "local operator")
    assert "Enterprise" in plan_refusal["detail"]


def test_unsupported_database_url_is_an_input_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["orgs", "list", "--database", "mysql://x@y/z"])
    assert result.exit_code == 2
    assert "postgresql://" in result.stderr
