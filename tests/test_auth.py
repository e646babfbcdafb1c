"""Sign-in, tokens and sessions (RFC 8725 pitfalls, refresh rotation and reuse, throttling)."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from server.core.security import ACCESS_TOKEN_TYPE, client_address
from tests.conftest import TEST_SECRET, problem

PASSWORD = "tandem-demo"


async def login(client, email="alice@example.com", password=PASSWORD, **kwargs):
    return await client.post(
        "/api/auth/login", json={"email": email, "password": password}, **kwargs
    )


async def test_login_returns_a_token_pair_that_opens_the_api(client, people):
    r = await login(client)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["id"] == str(people["alice"])


async def test_email_is_case_insensitive(client, people):
    assert (await login(client, email="Alice@Example.COM")).status_code == 200


async def test_wrong_password_and_unknown_email_get_the_same_answer(client, people):
    wrong = problem(await login(client, password="nope"), 401, "invalid_credentials")
    unknown = problem(await login(client, email="nobody@example.com"), 401, "invalid_credentials")
    assert {k: v for k, v in wrong.items() if k != "instance"} == {
        k: v for k, v in unknown.items() if k != "instance"
    }


def access_claims(person_id: uuid.UUID, **overrides):
    now = datetime.now(UTC)
    claims = {
        "iss": "tandem",
        "aud": "tandem-api",
        "sub": str(person_id),
        "sid": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    claims.update(overrides)
    return claims


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_well_formed_token_is_accepted(client, people):
    """The control case for the negative tests below: the same shape, correctly signed."""
    token = jwt.encode(
        access_claims(people["alice"]), TEST_SECRET, "HS256", headers={"typ": ACCESS_TOKEN_TYPE}
    )
    assert (
        await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 200


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("alg_none", "invalid_token"),
        ("wrong_algorithm", "invalid_token"),
        ("wrong_audience", "invalid_token"),
        ("wrong_issuer", "invalid_token"),
        ("wrong_typ", "invalid_token"),
        ("expired", "token_expired"),
        ("tampered", "invalid_token"),
        ("wrong_key", "invalid_token"),
        ("missing_sub", "invalid_token"),
    ],
)
async def test_bad_access_tokens_are_rejected(client, people, case, code):
    claims = access_claims(people["alice"])
    typ = {"typ": ACCESS_TOKEN_TYPE}
    if case == "alg_none":
        token = f"{b64({'alg': 'none', **typ})}.{b64(claims)}."
    elif case == "wrong_algorithm":
        token = jwt.encode(claims, TEST_SECRET * 2, "HS512", headers=typ)
    elif case == "wrong_audience":
        token = jwt.encode({**claims, "aud": "other-api"}, TEST_SECRET, "HS256", headers=typ)
    elif case == "wrong_issuer":
        token = jwt.encode({**claims, "iss": "someone-else"}, TEST_SECRET, "HS256", headers=typ)
    elif case == "wrong_typ":
        token = jwt.encode(claims, TEST_SECRET, "HS256", headers={"typ": "JWT"})
    elif case == "expired":
        past = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
        token = jwt.encode({**claims, "exp": past}, TEST_SECRET, "HS256", headers=typ)
    elif case == "tampered":
        good = jwt.encode(claims, TEST_SECRET, "HS256", headers=typ)
        header, _, signature = good.split(".")
        forged = {**claims, "sub": str(people["admin"])}
        token = f"{header}.{b64(forged)}.{signature}"
    elif case == "wrong_key":
        token = jwt.encode(
            claims, "another-secret-key-of-sufficient-length!!", "HS256", headers=typ
        )
    else:
        del claims["sub"]
        token = jwt.encode(claims, TEST_SECRET, "HS256", headers=typ)
    r = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    problem(r, 401, code)
    assert r.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_accepted_before_is_refused_once_it_expires(client, people):
    """Verified tokens are remembered (a phone sends the same one with every request), but
    never past their expiry."""
    expires_at = int(datetime.now(UTC).timestamp()) + 2
    token = jwt.encode(
        access_claims(people["alice"], exp=expires_at),
        TEST_SECRET,
        "HS256",
        headers={"typ": ACCESS_TOKEN_TYPE},
    )
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/me", headers=headers)).status_code == 200
    await asyncio.sleep(expires_at - datetime.now(UTC).timestamp() + 0.1)
    problem(await client.get("/api/me", headers=headers), 401, "token_expired")


async def test_missing_or_non_bearer_authorization_is_401(client, people):
    problem(await client.get("/api/me"), 401, "not_authenticated")
    problem(
        await client.get("/api/me", headers={"Authorization": "Basic YTpi"}),
        401,
        "not_authenticated",
    )


async def test_refresh_rotates_and_the_old_token_stops_working(client, people):
    first = (await login(client)).json()
    r = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 200


async def refreshed(client, refresh_token: str):
    return await client.post("/api/auth/refresh", json={"refresh_token": refresh_token})


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(client, people):
    first = (await login(client)).json()
    second = (await refreshed(client, first["refresh_token"])).json()
    third = (await refreshed(client, second["refresh_token"])).json()
    # The first token again, after the one it was exchanged for was used: a copy leaked.
    problem(await refreshed(client, first["refresh_token"]), 401, "refresh_token_reused")
    # The legitimate holder's newer token is dead too: the family is revoked.
    problem(await refreshed(client, third["refresh_token"]), 401, "session_expired")


async def test_a_lost_refresh_answer_does_not_end_the_sign_in(client, people):
    """The server rotated the token but the phone never got the answer (the network dropped,
    the app reloaded mid-request): the same token again, soon, while the new one is unused,
    gets another new one, and the sign-in goes on."""
    first = (await login(client)).json()
    lost = (await refreshed(client, first["refresh_token"])).json()
    again = await refreshed(client, first["refresh_token"])
    assert again.status_code == 200, again.text
    kept = again.json()
    assert kept["refresh_token"] not in (first["refresh_token"], lost["refresh_token"])
    bearer = {"Authorization": f"Bearer {kept['access_token']}"}
    assert (await client.get("/api/me", headers=bearer)).status_code == 200
    assert (await refreshed(client, kept["refresh_token"])).status_code == 200


async def test_a_rotated_refresh_token_is_not_taken_back_after_the_grace(
    client, people, monkeypatch
):
    from server.auth import queries as auth_queries

    first = (await login(client)).json()
    second = (await refreshed(client, first["refresh_token"])).json()
    later = datetime.now(UTC) + auth_queries.LOST_ANSWER_GRACE + timedelta(seconds=1)
    monkeypatch.setattr(auth_queries, "now", lambda: later)
    problem(await refreshed(client, first["refresh_token"]), 401, "refresh_token_reused")
    problem(await refreshed(client, second["refresh_token"]), 401, "session_expired")


async def test_other_sessions_survive_a_reuse_in_one_family(client, people):
    phone = (await login(client)).json()
    laptop = (await login(client)).json()
    second = (await refreshed(client, phone["refresh_token"])).json()
    await refreshed(client, second["refresh_token"])
    problem(await refreshed(client, phone["refresh_token"]), 401, "refresh_token_reused")
    r = await refreshed(client, laptop["refresh_token"])
    assert r.status_code == 200


async def test_logout_revokes_the_refresh_token(client, people):
    tokens = (await login(client)).json()
    r = await client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 204
    problem(
        await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
        401,
        "session_expired",
    )


async def signed_out(client, tokens: dict[str, str], access_code: str) -> None:
    """Neither the access token nor the refresh token of a sign-in works any more."""
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    problem(await client.get("/api/me", headers=bearer), 401, access_code)
    refresh = {"refresh_token": tokens["refresh_token"]}
    problem(await client.post("/api/auth/refresh", json=refresh), 401, "session_expired")


async def test_signing_out_stops_that_sessions_access_token_at_once(client, people):
    """Not when the access token expires (up to 15 minutes later): at the next request. The
    same person's other sign-ins go on."""
    phone, laptop = (await login(client)).json(), (await login(client)).json()
    bearer = {"Authorization": f"Bearer {phone['access_token']}"}
    assert (await client.get("/api/me", headers=bearer)).status_code == 200
    await client.post("/api/auth/logout", json={"refresh_token": phone["refresh_token"]})
    problem(await client.get("/api/me", headers=bearer), 401, "session_expired")
    other = {"Authorization": f"Bearer {laptop['access_token']}"}
    assert (await client.get("/api/me", headers=other)).status_code == 200


async def test_an_admin_ends_every_session_of_a_person(client, people, as_admin, headers_for):
    phone, laptop = (await login(client)).json(), (await login(client)).json()
    bob = (await login(client, email="bob@example.com")).json()
    url = f"/api/admin/people/{people['alice']}/sessions"
    problem(await client.delete(url, headers=headers_for("manager.east")), 403, "forbidden")
    assert (await client.delete(url, headers=as_admin)).status_code == 204
    for tokens in (phone, laptop):
        await signed_out(client, tokens, "session_expired")
    # Bob is untouched; alice is still active and signs in again.
    bearer = {"Authorization": f"Bearer {bob['access_token']}"}
    assert (await client.get("/api/me", headers=bearer)).status_code == 200
    assert (await login(client)).status_code == 200
    unknown = "/api/admin/people/00000000-0000-4000-8000-000000000000/sessions"
    problem(await client.delete(unknown, headers=as_admin), 404, "not_found")


async def test_unknown_refresh_token_is_401(client, people):
    problem(
        await client.post("/api/auth/refresh", json={"refresh_token": "made-up"}),
        401,
        "session_expired",
    )


async def test_disabling_a_user_ends_access_and_refresh_at_once(client, people, as_admin):
    tokens = (await login(client, email="bob@example.com")).json()
    r = await client.patch(
        f"/api/admin/people/{people['bob']}", json={"active": False}, headers=as_admin
    )
    assert r.status_code == 200, r.text
    await signed_out(client, tokens, "invalid_token")
    problem(await login(client, email="bob@example.com"), 403, "account_disabled")


async def test_login_is_throttled_per_account_even_with_the_right_password(client, people, app):
    limit = app.state.settings.login_max_failures_per_account
    for _ in range(limit):
        problem(await login(client, password="guess"), 401, "invalid_credentials")
    r = await login(client)
    problem(r, 429, "too_many_attempts")
    assert int(r.headers["retry-after"]) > 0
    # Another account from the same address is not locked by alice's failures.
    assert (await login(client, email="bob@example.com")).status_code == 200


async def test_login_is_throttled_per_address_and_forged_forwarded_for_does_not_help(
    client, people, app
):
    limit = app.state.settings.login_max_failures_per_address
    for i in range(limit):
        r = await login(
            client,
            email=f"guess{i}@example.com",
            password="x",
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        )
        problem(r, 401, "invalid_credentials")
    r = await login(client, email="carol@example.com", headers={"X-Forwarded-For": "198.51.100.7"})
    problem(r, 429, "too_many_attempts")


def test_forwarded_for_counts_only_behind_a_trusted_proxy():
    assert client_address("203.0.113.9", "1.2.3.4", []) == "203.0.113.9"
    assert client_address("10.0.0.2", "1.2.3.4", ["10.0.0.1"]) == "10.0.0.2"
    assert client_address("10.0.0.1", "1.2.3.4", ["10.0.0.1"]) == "1.2.3.4"
    # A client-supplied first hop is ignored: the right-most untrusted hop is the client.
    assert (
        client_address("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.5", ["10.0.0.1", "10.0.0.5"])
        == "1.2.3.4"
    )
    assert client_address("10.0.0.1", "not-an-ip", ["10.0.0.1"]) == "not-an-ip"


async def test_failures_outside_the_window_are_pruned(client, people, app, monkeypatch):
    from server.auth import queries as auth_queries

    await login(client, email="nobody@example.com", password="x")
    later = datetime.now(UTC) + timedelta(minutes=app.state.settings.login_window_minutes + 1)
    monkeypatch.setattr(auth_queries, "now", lambda: later)
    await auth_queries.record_failure(
        "other@example.com", "203.0.113.5", window_start=later - timedelta(minutes=15)
    )
    by_email, _ = await auth_queries.recent_failures(
        "nobody@example.com", "x", datetime(2000, 1, 1, tzinfo=UTC)
    )
    assert by_email == 0
    recent, _ = await auth_queries.recent_failures(
        "other@example.com", "x", datetime(2000, 1, 1, tzinfo=UTC)
    )
    assert recent == 1
