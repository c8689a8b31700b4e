from __future__ import annotations

import hashlib
import re

import pytest

from indicate_mcp.authority.tokens import TOKEN_PATTERN, checksum, mask, mint, parse
from indicate_mcp.errors import AuthenticationFailed


@pytest.mark.parametrize("kind", ["agent", "api"])
def test_minted_token_has_the_published_shape(kind: str) -> None:
    issued = mint(kind)  # type: ignore[arg-type]
    assert re.fullmatch(TOKEN_PATTERN, issued.plaintext)
    prefix, rest = issued.plaintext.split("_", 1)
    assert prefix == "ind"
    kind_part, token_id, body = rest.split("_")
    assert kind_part == kind and token_id == issued.token_id
    assert len(token_id) == 12 and len(body) == 38
    assert issued.secret_hash == hashlib.sha256(issued.plaintext.encode()).hexdigest()


def test_parse_round_trip() -> None:
    issued = mint("agent")
    parsed = parse(issued.plaintext)
    assert (parsed.kind, parsed.token_id, parsed.secret_hash) == (
        "agent",
        issued.token_id,
        issued.secret_hash,
    )


def test_checksum_is_crc32_of_everything_before_it_in_base62() -> None:
    import zlib

    issued = mint("api")
    head, crc = issued.plaintext[:-6], issued.plaintext[-6:]
    number = 0
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    for ch in crc:
        number = number * 62 + alphabet.index(ch)
    assert number == zlib.crc32(head.encode())
    assert checksum(head) == crc


def test_every_single_character_change_is_caught_before_any_lookup() -> None:
    issued = mint("agent")
    text = issued.plaintext
    caught = 0
    for i in range(4, len(text)):
        if text[i] == "_":
            continue
        swapped = "A" if text[i] != "A" else "B"
        with pytest.raises(AuthenticationFailed):
            parse(text[:i] + swapped + text[i + 1 :])
        caught += 1
    assert caught > 50


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "malformed"),
        ("Bearer ind_agent_x", "malformed"),
        ("ind_agent_" + "a" * 12 + "_" + "b" * 37, "malformed"),
        ("ind_robot_" + "a" * 12 + "_" + "b" * 38, "malformed"),
        ("ind_agent_" + "a" * 12 + "_" + "b" * 38 + "\x00", "malformed"),
        ("x" * 10_000, "malformed"),
        ("ind_agent_" + "a" * 12 + "_" + "b" * 38, "bad_checksum"),
    ],
)
def test_bad_shapes_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        parse(raw)
    assert refused.value.reason == reason
    assert refused.value.message == AuthenticationFailed.public_message


def test_mask_shows_no_secret_character() -> None:
    issued = mint("agent")
    masked = mask("agent", issued.token_id)
    assert masked == f"ind_agent_{issued.token_id}_…"
    secret_part = issued.plaintext.rsplit("_", 1)[1]
    assert secret_part[:8] not in masked


def test_secrets_do_not_repeat() -> None:
    bodies = {mint("agent").plaintext.rsplit("_", 1)[1][:32] for _ in range(2000)}
    assert len(bodies) == 2000
