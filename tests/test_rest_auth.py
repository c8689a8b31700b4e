"""Bearer authentication of the REST API (RFC 6750) through the real resolver."""

from __future__ import annotations

import httpx
import pytest

from indicate_mcp.authority import accounts, issuance, memberships, organisations
from indicate_mcp.db import Database
from rest_world import OPERATOR, RestWorld

GENERIC = "The access token is missing, invalid, revoked or expired."


def _problem(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["Cache-Control"] == "no-store"
    body: dict[str, object] = r.json()
    assert body["status"] == status and body["type"] == f"urn:indicate-mcp:problem:{body['code']}"
    return body


async def test_no_credentials_is_a_challenge_without_error_code(
    rest_client: httpx.AsyncClient,
) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Token x"}):
        r = await rest_client.get("/api/v1/spaces", headers=headers)
        body = _problem(r, 401)
        assert r.headers["WWW-Authenticate"] == 'Bearer realm="indicate-mcp"'
        assert "Authorization: Bearer" in str(body["detail"])


@pytest.mark.parametrize(
    "value",
    [
        "Bearer",
        "Bearer ",
        "Bearer not-a-token",
        "bearer ind_api_AAAAAAAAAAAA_" + "A" * 38,  # right shape, wrong checksum
        "Bearer " + "A" * 100_000,
        "Bearer \x00\x01\x02\xff\xfe",
        "Bearer ind_api_AAAAAAAAAAAA_" + "é" * 38,
    ],
)
async def test_refused_tokens_get_one_generic_401(
    rest_client: httpx.AsyncClient, value: str
) -> None:
    r = await rest_client.get("/api/v1/spaces", headers={"Authorization": value.encode("latin-1")})
    body = _problem(r, 401)
    assert body["detail"] == GENERIC
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="indicate-mcp", error="invalid_token"'


async def test_two_authorization_headers_are_an_invalid_request(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    headers = [("Authorization", f"Bearer {rw.single.secret}")] * 2
    r = await rest_client.get("/api/v1/spaces", headers=headers)
    _problem(r, 400)
    assert 'error="invalid_request"' in r.headers["WWW-Authenticate"]


async def test_agent_token_is_refused_with_403_naming_the_right_kind(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    r = await rest_client.get("/api/v1/spaces", headers=rw.auth(rw.agent))
    body = _problem(r, 403)
    assert body["code"] == "wrong_token_kind" and "API token" in str(body["detail"])
    assert "WWW-Authenticate" not in r.headers


async def test_revoked_and_regenerated_tokens_fail_on_the_next_request(
    rest_client: httpx.AsyncClient, rw: RestWorld, db: Database
) -> None:
    assert (await rest_client.get("/api/v1/spaces", headers=rw.auth(rw.single))).status_code == 200
    await issuance.revoke_token(db, OPERATOR, rw.single.token.id)
    body = _problem(await rest_client.get("/api/v1/spaces", headers=rw.auth(rw.single)), 401)
    assert body["detail"] == GENERIC  # the reason (revoked) is not shown

    assert (await rest_client.get("/api/v1/spaces", headers=rw.auth(rw.multi))).status_code == 200
    fresh = await issuance.regenerate_token(db, OPERATOR, rw.multi.token.id)
    _problem(await rest_client.get("/api/v1/spaces", headers=rw.auth(rw.multi)), 401)
    assert (await rest_client.get("/api/v1/spaces", headers=rw.auth(fresh))).status_code == 200


async def test_downgrade_stops_api_tokens_at_once(
    rest_client: httpx.AsyncClient, rw: RestWorld, db: Database
) -> None:
    url = f"/api/v1/spaces/{rw.hotel}/metrics"
    assert (await rest_client.get(url, headers=rw.auth(rw.single))).status_code == 200
    await organisations.set_plan(db, OPERATOR, rw.org_id, "pro")
    body = _problem(await rest_client.get(url, headers=rw.auth(rw.single)), 403)
    assert body["code"] == "plan_required" and "Enterprise" in str(body["detail"])
    await organisations.set_plan(db, OPERATOR, rw.org_id, "enterprise")
    assert (await rest_client.get(url, headers=rw.auth(rw.single))).status_code == 200


async def test_removed_membership_narrows_a_multi_space_token(
    rest_client: httpx.AsyncClient, rw: RestWorld, db: Database
) -> None:
    url = f"/api/v1/spaces/{rw.lake}/data-sources"
    assert (await rest_client.get(url, headers=rw.auth(rw.multi))).status_code == 200
    await memberships.remove_member(db, OPERATOR, space_id=rw.lake, account_id=rw.bot_id)
    assert (await rest_client.get(url, headers=rw.auth(rw.multi))).status_code == 404
    r = await rest_client.get("/api/v1/spaces", headers=rw.auth(rw.multi))
    assert [s["id"] for s in r.json()["items"]] == [rw.hotel]


async def test_deleted_account_tokens_stop(
    rest_client: httpx.AsyncClient, rw: RestWorld, db: Database
) -> None:
    await accounts.delete_account(db, OPERATOR, rw.bot_id)
    _problem(await rest_client.get("/api/v1/spaces", headers=rw.auth(rw.single)), 401)


async def test_openapi_document_needs_no_token(rest_client: httpx.AsyncClient) -> None:
    r = await rest_client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.json()["openapi"] == "3.1.0"
