#!/usr/bin/env python3
"""An org's whole life through the /cp/ API, the way a partner's integration should run it (httpx).

    CP_URL=https://cp.moleculesai.app CP_KEY=mol_pk_… python examples/org_lifecycle.py
    CP_URL=http://127.0.0.1:8000 CP_ADMIN_MASTER_KEY=… python examples/org_lifecycle.py   (demo)
    CP_WEBHOOK_URL=http://127.0.0.1:8765/webhooks …   (wait for the signed webhook, not polling)

CP_KEY needs the scopes orgs:create, orgs:list, orgs:delete, workspaces:create and billing:read
(and webhooks:manage with CP_WEBHOOK_URL). For a demo against `make run`, CP_ADMIN_MASTER_KEY
instead issues such a key first and revokes it at the end. CP_ORG_SLUG names the org (default
`acme-<random>`); CP_MAX_ATTEMPTS (5) bounds every call's attempts, CP_READY_TIMEOUT (120 s) the
waits.

It creates an org, waits until it is ready (polling the status as often as its Retry-After says,
or, with CP_WEBHOOK_URL, listening there for the signed `org.ready` event: a development server
must then allow http and private addresses, CP_WEBHOOK_ALLOW_HTTP and
CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS), prints the login URL, creates and lists workspaces, reads
billing, deletes the org and waits until it is gone. The org is deleted whatever fails after its
creation.

Safe retries: 429, 5xx and network errors are retried with exponential backoff and jitter,
honouring Retry-After, at most CP_MAX_ATTEMPTS times. Each logical POST (create the org, create
the workspace) gets ONE Idempotency-Key, reused by all its retries, so a retry after a lost
response replays the first answer instead of creating a twin.

Exit status: 0 done; 1 the API refused a call, the org failed or a wait ran out; 2 configuration
(a missing variable, a server that cannot be reached, a key that is refused).
"""

from __future__ import annotations

import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

try:
    import httpx
except ImportError:  # pragma: no cover - the message is the point
    sys.exit("org_lifecycle.py needs httpx: pip install httpx")

from webhook_receiver import Receiver  # beside this file

SCOPES = ["orgs:create", "orgs:list", "orgs:delete", "workspaces:create", "billing:read"]
RETRYABLE = {429, 500, 502, 503, 504}


class Stop(Exception):
    """End the run with this one-line message and exit status (no traceback)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class APIError(Stop):
    def __init__(self, response: httpx.Response) -> None:
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            error = {"code": "?", "message": response.text[:200], "request_id": "?"}
        request = response.request
        refused = "the key was refused: " * (response.status_code == 401)
        super().__init__(
            f"{refused}{request.method} {request.url.path} → {response.status_code} "
            f"{error['code']}: "
            f"{error['message']} (request id {error.get('request_id')})",
            status=2 if response.status_code == 401 else 1,
        )
        self.response, self.code = response, error["code"]


def backoff(attempt: int, base: float = 0.5, cap: float = 8.0) -> float:
    """Exponential with full jitter: spreads the retries of many clients apart."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


class ControlPlane:
    """One partner key's calls: JSON in and out, retries that are safe, errors as `APIError`."""

    def __init__(self, base: str, key: str, *, attempts: int = 5) -> None:
        self.base, self.attempts, self.answered = base, attempts, False
        self.http = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

    def call(
        self, method: str, path: str, body: Any = None, *, idempotency_key: str | None = None
    ) -> httpx.Response:
        """Send until answered or out of attempts. A POST is only retried with an
        Idempotency-Key (the same on every attempt); GET and DELETE are safe to repeat."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        retry_ok = method != "POST" or idempotency_key is not None
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts or not retry_ok
            try:
                response = self.http.request(method, path, json=body, headers=headers)
            except httpx.ConnectError as error:
                if not self.answered:  # never reached at all: a wrong URL, not a blip
                    raise Stop(
                        f"cannot reach CP_URL={self.base} ({error}); is it right?", 2
                    ) from None
                if last:
                    raise Stop(f"{method} {path}: {error} after {attempt} attempts", 2) from None
                wait, why = backoff(attempt), f"network error ({type(error).__name__})"
            except httpx.TransportError as error:  # sent, but no answer: it may have run
                if last:
                    raise Stop(f"{method} {path}: {error} after {attempt} attempts", 2) from None
                wait, why = backoff(attempt), f"no answer ({type(error).__name__})"
            else:
                self.answered = True
                in_use = response.status_code == 409 and _code(response) == "idempotency_key_in_use"
                if (response.status_code not in RETRYABLE and not in_use) or last:
                    if response.status_code >= 400:
                        raise APIError(response)
                    return response
                wait = retry_after(response) or backoff(attempt)
                why = f"{response.status_code} {_code(response)}"
            print(f"  {method} {path}: {why}; retry {attempt}/{self.attempts - 1} in {wait:.1f}s")
            time.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    def json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        response = self.call(method, path, body, **kwargs)
        return response.json() if response.content else None


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


def wait_for(
    cp: ControlPlane, org_id: str, done: set[str], timeout: float, show: Callable[[str], None]
) -> dict:
    """Poll the org's status until it is in `done`, sleeping as its Retry-After says."""
    deadline = time.monotonic() + timeout
    while True:
        response = cp.call("GET", f"/cp/orgs/{org_id}/status")
        status = response.json()
        if status["status"] in done:
            return status
        if time.monotonic() > deadline:
            raise Stop(f"org {org_id} still {status['status']} after {timeout:.0f}s")
        pause = retry_after(response) or 2.0
        show(f"  {status['status']}; next poll in {pause:.0f}s (Retry-After)")
        time.sleep(pause)


def env(name: str, hint: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise Stop(f"{name} is not set: {hint}", 2)
    return value


def issue_demo_key(base: str, master: str, scopes: list[str], attempts: int) -> tuple[str, str]:
    """What the account team does for you: a key with the scopes this program needs."""
    admin = ControlPlane(base, master, attempts=attempts)
    body = {"name": "org-lifecycle-demo", "scopes": scopes, "org_id": None}
    issued = admin.json("POST", "/cp/admin/partner-keys", body, idempotency_key=str(uuid.uuid4()))
    print(f"issued demo key {issued['id']} ({issued['hint']})")
    return issued["key"], issued["id"]


def create_org(cp: ControlPlane, slug: str) -> dict:
    # One key for this logical operation, reused by every retry. In your own system derive it
    # from what you are creating (`subscription-7f3a-org`), so a restarted job reuses it too.
    idempotency_key = f"create-org-{slug}-{uuid.uuid4().hex[:8]}"
    body = {"name": "Acme Corp", "slug": slug, "plan": "standard", "external_id": slug}
    create = cp.call("POST", "/cp/orgs", body, idempotency_key=idempotency_key)
    org = create.json()
    replayed = create.headers.get("Idempotent-Replayed") == "true"
    print(
        f"created {org['id']} ({org['slug']}, {org['status']}), Idempotency-Key {idempotency_key}"
    )
    if replayed:
        print("  (a replay: an earlier attempt had created it; nothing was created twice)")
    print(f"  RateLimit-Policy: {create.headers.get('RateLimit-Policy')}")
    print(f"  RateLimit: {create.headers.get('RateLimit')}")
    return org


def use_org(cp: ControlPlane, org_id: str, status: dict) -> None:
    """What a partner does with a ready org: the login URL, a workspace, billing."""
    if status["status"] != "ready":
        raise Stop(f"provisioning failed: {status['error']}")
    print(f"ready: send the customer to {status['login_url']}")
    ws = cp.json(
        "POST",
        f"/cp/orgs/{org_id}/workspaces",
        {"name": "research"},
        idempotency_key=f"create-ws-{uuid.uuid4()}",
    )
    if ws["token"] is None:  # a replay never carries the secret
        print(f"workspace {ws['id']}: a replay, so no token; rotate it if the first answer is lost")
    else:
        print(f"workspace {ws['id']} token {ws['token_hint']} (shown once: store it now)")
    listing = cp.json("GET", f"/cp/orgs/{org_id}/workspaces")
    print(f"workspaces: {', '.join(w['name'] for w in listing['data'])}")
    bill = cp.json("GET", f"/cp/orgs/{org_id}/billing")
    print(f"billing: {bill['plan']}, {bill['seats']} seat(s), {bill['channel']}, {bill['status']}")


def delete_org(cp: ControlPlane, org_id: str, timeout: float) -> None:
    deleting = cp.json("DELETE", f"/cp/orgs/{org_id}")
    print(f"deleting {org_id}: {deleting['status']} (billing stops now)")
    wait_for(cp, org_id, {"deleted"}, timeout, lambda line: None)
    print(f"deleted {org_id}; its slug is free again")


def lifecycle(cp: ControlPlane, *, slug: str, timeout: float, webhook_url: str) -> None:
    """Create, wait, use, delete; the org is deleted whatever fails after its creation."""
    receiver, endpoint_id = None, ""
    if webhook_url:
        receiver = Receiver(webhook_url)
        body = {"url": webhook_url, "events": ["org.ready", "org.failed"]}
        endpoint = cp.json(
            "POST", "/cp/webhook-endpoints", body, idempotency_key=f"hook-{uuid.uuid4()}"
        )
        receiver.secret, endpoint_id = endpoint["secret"], endpoint["id"]
        print(f"webhook endpoint {endpoint_id} at {webhook_url} (signing secret shown once)")
    org_id = ""
    try:
        org_id = create_org(cp, slug)["id"]
        if receiver is not None:
            try:
                status = receiver.wait_for_org(org_id, timeout)
            except (TimeoutError, ValueError) as error:  # no event, or a bad signature
                raise Stop(f"waiting for org.ready: {error}") from None
        else:
            status = wait_for(cp, org_id, {"ready", "failed"}, timeout, print)
        use_org(cp, org_id, status)
    except BaseException:
        if org_id:
            cleanup(lambda: delete_org(cp, org_id, timeout))
        raise
    else:
        delete_org(cp, org_id, timeout)
    finally:
        if receiver is not None:
            receiver.close()
            cleanup(lambda: cp.call("DELETE", f"/cp/webhook-endpoints/{endpoint_id}"))


def cleanup(step: Callable[[], object]) -> None:
    """Tidy up after a failure without hiding it: a cleanup error is printed, not raised."""
    try:
        step()
    except Stop as error:
        print(f"org_lifecycle: cleanup failed too: {error}", file=sys.stderr)


def main() -> int:
    base = env("CP_URL", "the control plane's address, e.g. https://cp.moleculesai.app").rstrip("/")
    attempts = int(os.environ.get("CP_MAX_ATTEMPTS") or 5)
    timeout = float(os.environ.get("CP_READY_TIMEOUT") or 120)
    webhook_url = os.environ.get("CP_WEBHOOK_URL", "").strip()
    slug = os.environ.get("CP_ORG_SLUG") or f"acme-{uuid.uuid4().hex[:8]}"
    scopes = SCOPES + ["webhooks:manage"] * bool(webhook_url)
    key = os.environ.get("CP_KEY", "").strip()
    master = os.environ.get("CP_ADMIN_MASTER_KEY", "").strip()
    if not key and not master:
        raise Stop(
            f"CP_KEY is not set: a partner key with the scopes {', '.join(scopes)} "
            "(or CP_ADMIN_MASTER_KEY, for a demo that issues one)",
            2,
        )
    demo_key_id = ""
    if not key:
        key, demo_key_id = issue_demo_key(base, master, scopes, attempts)
    cp = ControlPlane(base, key, attempts=attempts)
    try:
        lifecycle(cp, slug=slug, timeout=timeout, webhook_url=webhook_url)
    finally:
        if demo_key_id:
            cleanup(lambda: cp.call("DELETE", f"/cp/admin/partner-keys/{demo_key_id}"))
    if demo_key_id:
        refused = cp.http.get("/cp/orgs")
        print(f"revoked demo key {demo_key_id}; its next call is refused: {refused.status_code}")
    print("done")
    return 0


def run() -> int:
    try:
        return main()
    except Stop as stop:
        print(f"org_lifecycle: {stop}", file=sys.stderr)
        return stop.status
    except KeyboardInterrupt:
        print("org_lifecycle: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(run())
