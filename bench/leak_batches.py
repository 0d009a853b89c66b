#!/usr/bin/env python3
"""Leak-response benchmark: the time of a full batch, and what each revoked key costs the database.

    .venv/bin/python bench/leak_batches.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench .venv/bin/python bench/leak_batches.py

In-process (Django's test client, no network) on a fresh database it migrates itself. It prints,
for public revocations of 1,000 credentials and for signed GitHub reports of 250 matches, the time
of one call and its SQL statements (savepoints left out): with no key of ours in the batch, and
with every credential a live key (the worst case: one savepoint, lock, update, history and event
each).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp())
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORK}/bench.sqlite3")
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    DEBUG="false",
    SECRET_KEY="bench-secret-key-" + "x" * 40,
    ALLOWED_HOSTS="testserver",
    SECURE_SSL_REDIRECT="false",
    CP_PUBLIC_REVOKE_RATE="100000000/m",
    CP_SECRET_SCANNING_RATE="100000000/m",
    CP_SECRET_SCANNING_PUBLIC_KEYS=str(WORK / "github-keys.json"),
    LOG_LEVEL="ERROR",
)

import django  # noqa: E402

django.setup()

from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from core import tokens  # noqa: E402
from partners import services  # noqa: E402

GITHUB = ec.generate_private_key(ec.SECP256R1())
PEM = GITHUB.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
(WORK / "github-keys.json").write_text(
    json.dumps({"public_keys": [{"key_identifier": "bench", "key": PEM.decode()}]})
)


def live_keys(n: int) -> list[str]:
    return [services.partner_key_issue(name="bench", scopes=[]).plaintext for _ in range(n)]


def timed(path: str, body: bytes, headers: dict[str, str], status: int) -> tuple[float, int]:
    reset_queries()  # the query log keeps 9,000 entries: start each call from an empty one
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = Client().post(path, body, content_type="application/json", headers=headers)
        elapsed = time.perf_counter() - started
    assert response.status_code == status, response.content
    control = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")
    return elapsed, sum(not q["sql"].upper().startswith(control) for q in captured)


def public(credentials: list[str]) -> tuple[float, int]:
    body = json.dumps({"credentials": credentials}).encode()
    return timed("/cp/credentials/revoke", body, {}, 202)


def github(matches: list[str]) -> tuple[float, int]:
    body = json.dumps([{"token": t, "type": "molecule_partner_key", "url": "u"} for t in matches])
    signature = GITHUB.sign(body.encode(), ec.ECDSA(hashes.SHA256()))
    headers = {
        "Github-Public-Key-Identifier": "bench",
        "Github-Public-Key-Signature": base64.b64encode(signature).decode(),
    }
    return timed("/cp/secret-scanning/reports", body.encode(), headers, 200)


def main() -> None:
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}")
    rows = [
        ("public revoke, 1,000 unknown", public, [tokens.generate() for _ in range(1000)]),
        ("public revoke, 1,000 live keys", public, live_keys(1000)),
        ("GitHub report, 250 unknown", github, [tokens.generate() for _ in range(250)]),
        ("GitHub report, 250 live keys", github, live_keys(250)),
    ]
    for label, send, batch in rows:
        elapsed, statements = send(batch)
        print(f"{label:32} {elapsed * 1000:8.1f} ms  {statements:5} statements")


if __name__ == "__main__":
    main()
