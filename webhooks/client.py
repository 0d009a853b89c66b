"""One webhook POST over httpx: to the address the guard vetted, bounded in time and size.

The request goes to the vetted IP while `Host` and TLS SNI (and so certificate checking) keep the
URL's host name. No redirects are followed, no proxy from the environment is used, a response is
read up to CP_WEBHOOK_MAX_RESPONSE_BYTES and the whole exchange is cut at the timeout.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from functools import cache

import httpx
from django.conf import settings

from webhooks import guard

USER_AGENT = "Molecule-Webhooks/1.0 (+https://www.standardwebhooks.com/)"
ERROR_MAX_LENGTH = 500


@cache
def _trusted() -> ssl.SSLContext:
    """The default CA bundle, loaded once per process (loading it costs ~20 ms an attempt)."""
    return httpx.create_ssl_context()


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: the status code (None when no response came) or why it failed."""

    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(
    url: str, *, headers: dict[str, str], body: bytes, verify: ssl.SSLContext | bool = True
) -> Outcome:
    """POST `body` to `url`; never raises for anything the network or the receiver does."""
    started = time.monotonic()
    try:
        status, error = _exchange(url, headers, body, verify, started)
    except guard.URLRefused as exc:
        status, error = None, f"Refused by the address guard: {exc}"
    except httpx.TimeoutException:
        status, error = None, f"Timed out after {settings.CP_WEBHOOK_TIMEOUT_SECONDS:g} s."
    except httpx.HTTPError as exc:
        status, error = None, f"Connection failed: {type(exc).__name__}: {exc}"
    elapsed = int((time.monotonic() - started) * 1000)
    return Outcome(status, error[:ERROR_MAX_LENGTH], elapsed)


def _exchange(
    url: str, headers: dict[str, str], body: bytes, verify: ssl.SSLContext | bool, started: float
) -> tuple[int, str]:
    parts = guard.parse(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = guard.address_for(host, port)
    extensions = {} if guard.is_literal(host) else {"sni_hostname": host}
    timeout = settings.CP_WEBHOOK_TIMEOUT_SECONDS
    deadline = started + timeout
    with (
        httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            verify=_trusted() if verify is True else verify,
        ) as client,
        client.stream(
            "POST",
            httpx.URL(url).copy_with(host=str(address)),
            content=body,
            headers={**headers, "host": parts.netloc, "user-agent": USER_AGENT},
            extensions=extensions,
        ) as response,
    ):
        _drain(response, deadline)
        ok = 200 <= response.status_code < 300
        return (
            response.status_code,
            "" if ok else f"The receiver answered HTTP {response.status_code}.",
        )


def _drain(response: httpx.Response, deadline: float) -> None:
    """Read (and drop) at most CP_WEBHOOK_MAX_RESPONSE_BYTES of the answer, before the deadline."""
    left = settings.CP_WEBHOOK_MAX_RESPONSE_BYTES
    for chunk in response.iter_raw():
        left -= len(chunk)
        if left <= 0 or time.monotonic() > deadline:
            return
