"""Problem documents for bad input, security headers, static serving and the API contract."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest

from server.core.headers import SECURITY_HEADERS, security_headers
from tests.conftest import ROOT, problem


async def test_malformed_json_is_a_problem(client):
    r = await client.post(
        "/api/auth/login",
        content=b'{"email": "a@b.c",',
        headers={"content-type": "application/json"},
    )
    problem(r, 400, "malformed_json")


async def test_wrong_types_list_the_fields(client):
    body = problem(
        await client.post("/api/auth/login", json={"email": 5}), 400, "validation_failed"
    )
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"email", "password"}


async def test_unknown_fields_on_write_models_are_rejected(client, people, as_admin):
    body = problem(
        await client.patch("/api/org/company", json={"name": "X", "owner": "me"}, headers=as_admin),
        400,
        "validation_failed",
    )
    assert body["errors"][0]["field"] == "owner"
    assert (await client.get("/api/org/company", headers=as_admin)).json()["name"] != "X"


async def test_oversize_bodies_are_refused(client, app):
    limit = app.state.settings.max_request_body_bytes
    r = await client.post(
        "/api/auth/login",
        content=b'{"email": "' + b"a" * limit + b'"}',
        headers={"content-type": "application/json"},
    )
    problem(r, 413, "payload_too_large")


async def test_a_client_gone_mid_upload_is_not_a_server_error(app, client, caplog):
    """A phone that loses the network while sending: answered as an incomplete request and
    logged as information, not as a server error that would page someone."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/auth/login",
        "raw_path": b"/api/auth/login",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
        "client": ("198.51.100.9", 5000),
        "server": ("testserver", 80),
    }
    arriving = [
        {"type": "http.request", "body": b'{"email": "ali', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return arriving.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with caplog.at_level(logging.INFO, logger="server.core.errors"):
        await app(scope, receive, send)
    assert sent[0]["status"] == 400
    assert [r.levelname for r in caplog.records if r.name == "server.core.errors"] == ["INFO"]


async def test_unknown_api_paths_are_problems_not_the_app_shell(client):
    for path in ("/api/nope", "/api", "/api/people/not-a-uuid"):
        r = await client.get(path)
        assert r.status_code in (401, 404), path
        assert r.headers["content-type"].startswith("application/problem+json"), path


@pytest.mark.parametrize(
    "path", ["/healthz", "/api/me", "/", "/assets/index-abc123.js", "/api/nope"]
)
async def test_security_headers_on_every_kind_of_response(client, path):
    r = await client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value, (path, name)
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


async def test_no_browser_cache_keeps_an_api_answer(client, as_employee):
    """Every API answer, a success or a problem, is `no-store`: on a shared phone the next
    person could read a cached one from the disk. Static files keep their own caching."""
    for path, headers in (("/api/me", as_employee), ("/api/me", {}), ("/api/nope", {})):
        response = await client.get(path, headers=headers)
        assert response.headers["cache-control"] == "no-store", path
    response = await client.post(
        "/api/auth/login", json={"email": "x@example.com", "password": "x"}
    )
    assert response.headers["cache-control"] == "no-store"
    asset = await client.get("/assets/index-abc123.js")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "no-store" not in (await client.get("/healthz")).headers.get("cache-control", "")


async def test_over_https_browsers_are_told_to_keep_to_it():
    """With TANDEM_PUBLIC_URL on https the hook adds Strict-Transport-Security to every
    response (replacing a handler's own); over plain HTTP it adds none."""
    for over_https, expected in ((True, b"max-age=31536000"), (False, None)):
        message: Any = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"strict-transport-security", b"max-age=0")] if over_https else [],
        }
        await security_headers(over_https)(message, {})
        assert dict(message["headers"]).get(b"strict-transport-security") == expected


async def test_plain_http_sends_no_strict_transport_security(client):
    assert "strict-transport-security" not in (await client.get("/healthz")).headers


async def test_cross_origin_requests_get_no_cors_permission(client, people, as_employee):
    """CORS is closed: no Access-Control-Allow-* header, for a preflight or a real request
    from another origin, so other sites' pages cannot read Tandem's answers."""
    other = {"Origin": "https://evil.example.com"}
    preflight = await client.options(
        "/api/me", headers={**other, "Access-Control-Request-Method": "GET"}
    )
    read = await client.get("/api/me", headers={**other, **as_employee})
    for response in (preflight, read):
        assert not [h for h in response.headers if h.lower().startswith("access-control-")]


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/alert-rules", "GET, OPTIONS, POST"),
        ("/api/alert-rules/00000000-0000-4000-8000-000000000000", "DELETE, OPTIONS, PATCH"),
        ("/api/me", "GET, OPTIONS"),
    ],
)
async def test_options_lists_every_method_of_the_path(client, path, methods):
    """Even where the methods come from separate handlers (Litestar 2 listed only the
    first's)."""
    response = await client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == methods


async def test_deep_links_get_the_app_shell_uncached(client):
    r = await client.get("/team/anything")
    assert r.status_code == 200
    assert "<title>Tandem</title>" in r.text
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["content-type"].startswith("text/html")


async def test_hashed_assets_are_immutable_and_the_worker_is_not(client):
    asset = await client.get("/assets/index-abc123.js")
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    worker = await client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["cache-control"] == "no-cache"


async def test_static_paths_cannot_escape_the_build_folder(client):
    for path in (
        "/..%2f..%2fpyproject.toml",
        "/assets/../../secret.key",
        "/%2e%2e/%2e%2e/etc/passwd",
    ):
        r = await client.get(path)
        assert "root:" not in r.text
        assert "[project]" not in r.text


async def test_probes(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ok"}


async def test_every_operation_has_a_stable_operation_id(client):
    document = (await client.get("/schema/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert re.fullmatch(r"[A-Z][A-Za-z]+", operation.get("operationId", "")), (method, path)


async def test_committed_openapi_document_is_current(client):
    """`make types` regenerates pwa/src/api/openapi.json and the TypeScript types from it."""
    live = (await client.get("/schema/openapi.json")).json()
    committed = json.loads((ROOT / "pwa" / "src" / "api" / "openapi.json").read_text())
    assert live == committed, "The API changed: run `make types` and commit the result."
