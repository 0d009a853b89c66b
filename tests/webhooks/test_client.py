"""The HTTP client connects to the address the guard vetted, yet TLS still checks the host name."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from webhooks import client, guard


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(subject: str, issuer: str, key, signer, *, ca: bool, dns: str | None = None):
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), False)
    return builder.sign(signer, hashes.SHA256())


@contextlib.contextmanager
def tls_receiver(tmp_path: Path, cert_name: str) -> Iterator[tuple[int, ssl.SSLContext, dict]]:
    """An HTTPS server on 127.0.0.1 whose certificate names `cert_name`, signed by a test CA."""
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("test CA", "test CA", ca_key, ca_key, ca=True)
    leaf = _cert(cert_name, "test CA", key, ca_key, ca=False, dns=cert_name)
    (tmp_path / "cert.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    seen: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen["host"] = self.headers["Host"]
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server_context.sni_callback = lambda sock, name, ctx: seen.__setitem__("sni", name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    trust = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    try:
        yield server.server_address[1], trust, seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hooks_test_resolves_to_loopback(monkeypatch, settings):
    """`hooks.test` resolves (for the guard only) to 127.0.0.1; nothing else can resolve it."""
    settings.CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    real = guard.resolve
    monkeypatch.setattr(
        guard,
        "resolve",
        lambda host, port: (
            [ipaddress.ip_address("127.0.0.1")] if host == "hooks.test" else real(host, port)
        ),
    )


def test_the_post_goes_to_the_vetted_address_with_the_urls_host_in_sni_and_host(
    tmp_path, hooks_test_resolves_to_loopback
):
    with tls_receiver(tmp_path, "hooks.test") as (port, trust, seen):
        outcome = client.post(
            f"https://hooks.test:{port}/in",
            headers={"webhook-id": "msg_1"},
            body=b"{}",
            verify=trust,
        )
    assert (outcome.status_code, outcome.error, outcome.ok) == (204, "", True)
    assert seen == {"sni": "hooks.test", "host": f"hooks.test:{port}"}


def test_a_certificate_for_another_name_is_refused(tmp_path, hooks_test_resolves_to_loopback):
    with tls_receiver(tmp_path, "evil.test") as (port, trust, _):
        outcome = client.post(f"https://hooks.test:{port}/in", headers={}, body=b"{}", verify=trust)
    assert outcome.status_code is None and not outcome.ok
    assert outcome.error.startswith("Connection failed: ConnectError")
    assert "CERTIFICATE_VERIFY_FAILED" in outcome.error, outcome.error


def test_nothing_is_sent_when_the_name_does_not_resolve():
    outcome = client.post("https://hooks.invalid/in", headers={}, body=b"{}")
    assert outcome.status_code is None
    assert outcome.error == "Refused by the address guard: The host hooks.invalid does not resolve."


def test_the_answer_is_read_only_up_to_the_configured_size(settings):
    """A receiver that streams a long answer slowly does not hold the worker past the bound."""
    import time

    settings.CP_WEBHOOK_MAX_RESPONSE_BYTES = 1024

    class Dripping(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", str(10_000_000))
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(b"x" * 4096)
                self.wfile.flush()
                time.sleep(3)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Dripping)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        outcome = client.post(
            f"http://127.0.0.1:{server.server_address[1]}/in", headers={}, body=b"{}"
        )
    finally:
        server.shutdown()
        server.server_close()
    assert (outcome.status_code, outcome.ok) == (200, True)
    assert outcome.duration_ms < 2000
