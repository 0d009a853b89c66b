"""Where GitHub's public keys come from: a file, or a URL fetched and cached, refetched for a key
identifier it does not know; a list that cannot be read is 503 (logged), never 401 or 500."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.checks import run_checks

from partners import github_signatures
from partners.models import PartnerKey
from tests.leaks.conftest import GitHubKey, key_list, match

pytestmark = pytest.mark.django_db


class KeyServer:
    """A real HTTP server on loopback serving a key list (`body`, changeable), counting GETs."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.body, self.status, self.hits = body, status, 0
        self.location = ""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                if server.location:
                    self.send_header("Location", server.location)
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = (
            f"http://127.0.0.1:{self.httpd.server_address[1]}/meta/public_keys/secret_scanning"
        )
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def key_server(github_key, settings) -> Iterator[KeyServer]:
    server = KeyServer(key_list(github_key))
    settings.CP_SECRET_SCANNING_PUBLIC_KEYS = server.url
    yield server
    server.stop()


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "service_unavailable"
    assert int(response["Retry-After"]) > 0


def test_keys_from_a_url_are_fetched_once_and_cached(report, key_server, make_key):
    _, token = make_key()

    answers = [report([match(token)]) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert key_server.hits == 1


def test_a_cached_list_outlives_its_server_until_it_expires(report, key_server, settings, caplog):
    assert report([]).status_code == 200
    key_server.stop()

    assert report([]).status_code == 200
    settings.CP_SECRET_SCANNING_KEYS_CACHE_SECONDS = 0
    assert report([]).status_code == 200  # a refresh failed, but the list holds the report's key
    assert "keys unreadable" in caplog.text


def test_an_unknown_identifier_refetches_the_list_and_finds_a_rotated_key(
    report, key_server, github_key, monkeypatch
):
    assert report([]).status_code == 200
    rotated = GitHubKey.new()
    key_server.body = key_list(github_key, rotated)

    assert report([], key=rotated).status_code == 401  # fetched under a minute ago: not again
    monkeypatch.setattr(github_signatures, "REFETCH_UNKNOWN_AFTER_SECONDS", 0)
    assert report([], key=rotated).status_code == 200
    assert key_server.hits == 2


def test_an_unreachable_url_is_503_and_logged(report, key_server, make_key, caplog):
    key, token = make_key()
    key_server.stop()

    response = report([match(token)])

    assert_unavailable(response)
    assert "GitHub secret scanning keys unreadable" in caplog.text
    assert caplog.records[-1].levelno == logging.ERROR
    assert PartnerKey.objects.get(pk=key.pk).revoked_at is None


def test_a_url_answering_an_error_is_503(report, key_server):
    key_server.status = 500

    assert_unavailable(report([]))


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b'{"keys": []}', b'{"public_keys": [{"key_identifier": "x", "key": "no"}]}'],
    ids=["empty", "not-json", "wrong-shape", "no-usable-key"],
)
def test_a_key_file_that_is_not_a_key_list_is_503(report, keys_file, content):
    keys_file.write_bytes(content)

    assert_unavailable(report([]))


def test_a_missing_key_file_is_503(report, keys_file):
    keys_file.unlink()

    assert_unavailable(report([]))


def test_a_replaced_key_file_counts_at_once(report, keys_file):
    rotated = GitHubKey.new()
    keys_file.write_bytes(key_list(rotated))

    assert report([]).status_code == 401
    assert report([], key=rotated).status_code == 200


def test_keys_that_are_not_p256_are_skipped_and_the_others_used(report, keys_file, github_key):
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    pem = p384.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other_curve = {"key_identifier": "p384", "key": pem.decode(), "is_current": False}
    keys_file.write_text(json.dumps({"public_keys": [other_curve, github_key.entry()]}))

    assert report([]).status_code == 200


def test_a_redirect_is_not_followed(report, key_server, github_key):
    """The list is GitHub's own answer or nothing: a redirect could lead anywhere."""
    target = KeyServer(key_list(github_key))
    key_server.status, key_server.location = 302, target.url

    assert_unavailable(report([]))
    assert target.hits == 0
    target.stop()


@pytest.mark.parametrize(
    ("source", "ids"),
    [
        ("https://api.github.com/meta/public_keys/secret_scanning", []),
        ("http://127.0.0.1:8001/keys.json", []),
        ("http://keys.example.com/keys.json", ["partners.E001"]),
        ("/nonexistent/keys.json", ["partners.W001"]),
        ("", []),
    ],
)
def test_the_setting_is_checked_at_startup(settings, source, ids):
    settings.CP_SECRET_SCANNING_PUBLIC_KEYS = source

    found = [m.id for m in run_checks() if m.id and m.id.startswith("partners.")]

    assert found == ids
