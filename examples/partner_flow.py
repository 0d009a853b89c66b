#!/usr/bin/env python3
"""A partner's whole integration, with nothing but the standard library.

    CP_URL=http://127.0.0.1:8000 CP_ADMIN_MASTER_KEY=... python examples/partner_flow.py
    CP_WEBHOOK_URL=http://127.0.0.1:8765/webhooks ...   (webhooks instead of polling)

1. (account team) issue a partner key with the master key;
2. (partner) create an org, wait until it is ready, read the login URL: with CP_WEBHOOK_URL the
   script listens there itself, registers it as a webhook endpoint and waits for the signed
   `org.ready` event (a development server must allow http and private addresses:
   CP_WEBHOOK_ALLOW_HTTP, CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS); otherwise it polls the status;
3. create a workspace (its token is shown once), read billing;
4. delete the org, then revoke the key.
Every POST carries an Idempotency-Key, so a retry after a network error is safe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import queue
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

BASE = os.environ.get("CP_URL", "http://127.0.0.1:8000").rstrip("/")


class APIError(Exception):
    def __init__(self, status: int, body: dict) -> None:
        error = body.get("error", {})
        super().__init__(
            f"{status} {error.get('code')}: {error.get('message')} ({error.get('request_id')})"
        )
        self.status, self.code = status, error.get("code")


def call(method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict, dict]:
    """One /cp/ call; returns (status, JSON body, headers) or raises APIError with the envelope."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if method == "POST":
        headers["Idempotency-Key"] = str(uuid.uuid4())
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else {}), dict(response.headers)
    except urllib.error.HTTPError as error:
        raise APIError(error.code, json.loads(error.read() or b"{}")) from None


def wait_until_ready(org_id: str, token: str, timeout: float = 60) -> dict:
    """Poll the status endpoint, sleeping as long as its Retry-After says."""
    deadline = time.monotonic() + timeout
    while True:
        _, status, headers = call("GET", f"/cp/orgs/{org_id}/status", token)
        if status["status"] in ("ready", "failed"):
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"org {org_id} still {status['status']} after {timeout}s")
        time.sleep(min(float(headers.get("Retry-After", "1")), 2.0))


def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> dict:
    """Standard Webhooks verification with the standard library (the `standardwebhooks` package
    does the same): HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed with the decoded secret."""
    msg_id, stamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(stamp)) > tolerance:
        raise ValueError("webhook timestamp outside the tolerance")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{stamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return json.loads(body)
    raise ValueError("no valid webhook signature")


def listen(url: str) -> queue.Queue:
    """A tiny receiver on the URL's host and port: every POST is queued as (headers, body)."""
    received: queue.Queue = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.put(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)  # answer fast; do the work after (any 2xx is success)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    parts = urllib.parse.urlsplit(url)
    server = HTTPServer((parts.hostname or "127.0.0.1", parts.port or 80), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return received


def wait_for_event(received: queue.Queue, secret: str, org_id: str, timeout: float = 60) -> dict:
    """The first verified org.ready/org.failed event about `org_id`; its data is the org."""
    deadline = time.monotonic() + timeout
    while True:
        headers, body = received.get(timeout=max(0.1, deadline - time.monotonic()))
        event = verify(secret, headers, body)
        if event["type"] in ("org.ready", "org.failed") and event["data"]["id"] == org_id:
            print(f"{event['type']} received ({headers['webhook-id']}, signature verified)")
            return event["data"]


def main() -> int:
    master = os.environ["CP_ADMIN_MASTER_KEY"]
    slug = f"acme-corp-{uuid.uuid4().hex[:8]}"

    _, issued, _ = call(
        "POST",
        "/cp/admin/partner-keys",
        master,
        {
            "name": "acme-ci-pipeline",
            "scopes": [
                "orgs:create",
                "orgs:list",
                "orgs:delete",
                "workspaces:create",
                "billing:read",
                "webhooks:manage",
            ],
            "org_id": None,
        },
    )
    key, key_id = issued["key"], issued["id"]
    print(f"issued {key_id} ({issued['hint']}); rate limit headers follow on every call")

    webhook_url = os.environ.get("CP_WEBHOOK_URL")
    if webhook_url:
        received = listen(webhook_url)
        body = {"url": webhook_url, "events": ["org.ready", "org.failed"]}
        _, endpoint, _ = call("POST", "/cp/webhook-endpoints", key, body)
        print(f"webhook endpoint {endpoint['id']} at {webhook_url} (secret shown once)")

    status_code, org, headers = call(
        "POST", "/cp/orgs", key, {"name": "Acme Corp", "slug": slug, "plan": "standard"}
    )
    print(f"{status_code} created {org['id']} ({org['status']}) at {headers.get('Location')}")
    policy, remaining = headers.get("RateLimit-Policy"), headers.get("RateLimit")
    print(f"RateLimit-Policy: {policy}; RateLimit: {remaining}")

    if webhook_url:
        status = wait_for_event(received, endpoint["secret"], org["id"])
        call("DELETE", f"/cp/webhook-endpoints/{endpoint['id']}", key)
    else:
        status = wait_until_ready(org["id"], key)
    if status["status"] != "ready":
        print(f"provisioning failed: {status['error']}", file=sys.stderr)
        return 1
    print(f"ready; send the customer to {status['login_url']}")

    _, workspace, _ = call("POST", f"/cp/orgs/{org['id']}/workspaces", key, {"name": "research"})
    print(f"workspace {workspace['id']} token {workspace['token'][:11]}… (shown once)")
    _, billing, _ = call("GET", f"/cp/orgs/{org['id']}/billing", key)
    print(f"billing: plan={billing['plan']} status={billing['status']}")

    status_code, deleting, _ = call("DELETE", f"/cp/orgs/{org['id']}", key)
    print(f"{status_code} org {deleting['status']}")
    status_code, _, _ = call("DELETE", f"/cp/admin/partner-keys/{key_id}", key)
    print(f"{status_code} key revoked")
    try:
        call("GET", "/cp/orgs", key)
    except APIError as error:
        print(f"as expected, the revoked key is refused: {error}")
        return 0 if error.status == 401 else 1
    print("the revoked key still worked", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
