"""Request IDs on every response, and an access log that names tokens by public ID only."""

from __future__ import annotations

import logging

import httpx
import pytest

from rest_world import RestWorld


async def test_every_response_carries_a_request_id(
    rest_client: httpx.AsyncClient, rw: RestWorld
) -> None:
    responses = [
        await rest_client.get("/api/v1/spaces", headers=rw.auth(rw.single)),
        await rest_client.get("/api/v1/spaces"),
        await rest_client.get("/api/v1/spaces", headers=rw.auth(rw.agent)),
        await rest_client.get("/api/v1/nowhere"),
        await rest_client.delete("/api/v1/spaces"),
        await rest_client.get("/api/v1/openapi.json"),
    ]
    ids = [r.headers["X-Request-ID"] for r in responses]
    assert all(len(i) == 32 for i in ids) and len(set(ids)) == len(ids)
    for r in responses[1:5]:
        assert r.json()["request_id"] == r.headers["X-Request-ID"]


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [("abc-123.DEF:ghi_4", True), ("x" * 129, False), ("a b", False), ("\n", False)],
)
async def test_a_sane_incoming_request_id_is_echoed(
    rest_client: httpx.AsyncClient, rw: RestWorld, sent: str, echoed: bool
) -> None:
    r = await rest_client.get(
        "/api/v1/spaces", headers={**rw.auth(rw.single), "X-Request-ID": sent.encode()}
    )
    assert (r.headers["X-Request-ID"] == sent) is echoed


async def test_access_log_names_tokens_by_public_id_and_never_a_secret(
    rest_client: httpx.AsyncClient, rw: RestWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for token in (rw.single, rw.multi, rw.agent, rw.foreign_token):
        await rest_client.get("/api/v1/spaces", headers=rw.auth(token))
        await rest_client.get(
            f"/api/v1/spaces/{rw.hotel}/metrics/occupancy_rate/query?granularity=month",
            headers=rw.auth(token),
        )
    # A token pasted into the query string by mistake must not reach the log either.
    await rest_client.get(f"/api/v1/spaces?access_token={rw.single.secret}")
    await rest_client.get("/api/v1/spaces", headers={"Authorization": f"Bearer {rw.multi.secret}x"})

    access = [r for r in caplog.records if r.name == "indicate_mcp.access"]
    assert len(access) == 10
    lines = [r.getMessage() for r in access]
    assert any(f"token={rw.single.token.id}" in line and " 200 " in line for line in lines)
    assert any("token=-" in line and " 401 " in line for line in lines)
    # Everything the server side logged (httpx is this test's client, printing its own URL).
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    everything = "\n".join([r.getMessage() for r in server] + [str(r.__dict__) for r in server])
    assert everything.strip()
    for secret in rw.secrets:
        assert secret not in everything
        assert secret[-38:] not in everything  # not even the secret part on its own
