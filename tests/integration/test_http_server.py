"""The demo logins work against a real server process, over real HTTP."""

import urllib.request

import pytest

from governance.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from tests.integration.fresh_clone import sign_in


def test_each_demo_login_works_over_http(http_server):
    # One server for all logins: starting one per user would only repeat the start-up.
    for username, full_name, _, _ in DEMO_USERS:
        status, final_url, page = sign_in(http_server, username, DEMO_PASSWORD)
        assert (status, final_url) == (200, f"{http_server}/"), username
        assert full_name in page
        assert "Sign out" in page


def test_wrong_password_stays_on_the_login_page_with_an_error(http_server):
    status, final_url, page = sign_in(http_server, "rso", "not-the-password")
    assert final_url == f"{http_server}/login/"
    assert "Please enter a correct username and password" in page


def test_static_stylesheet_is_served_by_the_app(http_server):
    css = urllib.request.urlopen(f"{http_server}/static/css/app.css", timeout=10)
    assert css.status == 200
    assert b".topbar" in css.read()


def _chunked_post(base_url: str, token: str, content_type: str, body: bytes) -> tuple[int, str]:
    """POST with Transfer-Encoding: chunked (no Content-Length), as streaming clients do."""
    import http.client
    from urllib.parse import urlparse

    address = urlparse(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    try:
        connection.putrequest("POST", "/api/v1/ingestions/")
        connection.putheader("Authorization", f"Bearer {token}")
        connection.putheader("Content-Type", content_type)
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        for start in range(0, len(body), 65536):
            piece = body[start : start + 65536]
            connection.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        connection.send(b"0\r\n\r\n")
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.fixture
def small_upload_limit(monkeypatch):
    monkeypatch.setenv("EVAL_LOG_MAX_BYTES", "200000")


def test_chunked_uploads_are_read_and_held_to_the_limit(small_upload_limit, http_server):
    import json

    from evals.services import eval_system_create
    from governance.audit import SYSTEM
    from governance.registry.models import Snapshot, SnapshotIdentifier

    _, token = eval_system_create(actor=SYSTEM, name="streamer", all_models=True, all_suites=True)
    SnapshotIdentifier.objects.create(snapshot=Snapshot.objects.first(), identifier="acme/streamed")
    native = {
        "format": "native/v1",
        "run_id": "chunked-1",
        "model": "acme/streamed",
        "tasks": [{"name": "t1", "scores": [1, 0]}],
    }
    status, body = _chunked_post(
        http_server, token, "application/json", json.dumps(native).encode()
    )
    assert status == 202, body
    boundary = "b0undary"
    big = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.json"\r\n'
            f"Content-Type: application/json\r\n\r\n"
        ).encode()
        + b" " * 400_000
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, body = _chunked_post(
        http_server, token, f"multipart/form-data; boundary={boundary}", big
    )
    assert status == 413, body
    assert "larger than the limit of 200,000 bytes" in body


def test_pages_carry_a_content_security_policy_and_no_store(http_server):
    response = urllib.request.urlopen(f"{http_server}/login/", timeout=10)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "frame-ancestors 'none'" in policy
    assert "no-store" in response.headers["Cache-Control"]
