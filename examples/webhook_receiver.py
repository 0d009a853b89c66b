"""A tiny Standard Webhooks receiver with the standard library alone (used by org_lifecycle.py).

In production, use the `standardwebhooks` package (the guide shows a Flask receiver); this one
shows what it checks: the HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}" keyed with the
decoded `whsec_` secret, against each `v1,` signature, and a timestamp within 5 minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import queue
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> dict:
    """The event, if one of the signatures is ours and the timestamp is fresh; else ValueError."""
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


class Receiver:
    """Listens on the URL's host and port; every POST is answered 204 at once and queued."""

    def __init__(self, url: str) -> None:
        self.secret = ""  # the endpoint's signing secret, once it is registered
        self.received: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.put(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)  # answer fast, work afterwards (any 2xx is success)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        parts = urllib.parse.urlsplit(url)
        self.server = ThreadingHTTPServer(
            (parts.hostname or "127.0.0.1", parts.port or 80), Handler
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for_org(self, org_id: str, timeout: float) -> dict:
        """The org of the first verified `org.ready` or `org.failed` event about `org_id`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                headers, body = self.received.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no org.ready for {org_id} within {timeout:.0f}s") from None
            event = verify(self.secret, headers, body)
            if event["type"] in ("org.ready", "org.failed") and event["data"]["id"] == org_id:
                print(f"{event['type']} received ({headers['webhook-id']}, signature verified)")
                return event["data"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
