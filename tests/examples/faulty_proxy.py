"""A tiny HTTP proxy in front of the live server that spoils chosen requests, as a flaky network
or an overloaded server would: it drops the answer of a request it forwarded, answers 502 after
forwarding, or answers 429 without forwarding. It logs every request it saw."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Seen:
    method: str
    path: str
    idempotency_key: str | None
    fault: str | None
    upstream_status: int | None = None
    replayed: bool = False


@dataclass
class Proxy:
    url: str
    # (method, path regex) → faults for the first matching requests, in order: "drop", "502", "429".
    faults: dict[tuple[str, str], list[str]]
    seen: list[Seen] = field(default_factory=list)

    def take_fault(self, method: str, path: str) -> str | None:
        for (wanted, pattern), pending in self.faults.items():
            if wanted == method and re.fullmatch(pattern, path) and pending:
                return pending.pop(0)
        return None


@contextlib.contextmanager
def faulty_proxy(upstream: str, faults: dict[tuple[str, str], list[str]]) -> Iterator[Proxy]:
    lock = threading.Lock()
    client = httpx.Client(base_url=upstream, timeout=30)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?")[0]
            with lock:
                fault = proxy.take_fault(self.command, path)
                seen = Seen(self.command, path, self.headers.get("Idempotency-Key"), fault)
                proxy.seen.append(seen)
            if fault == "429":
                refusal = b'{"error": {"code": "rate_limited"}}'
                return self._answer(429, {"Retry-After": "1"}, refusal)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            answer = client.request(self.command, self.path, content=body, headers=headers)
            seen.upstream_status = answer.status_code
            seen.replayed = answer.headers.get("Idempotent-Replayed") == "true"
            if fault == "drop":  # it ran upstream, but the caller never hears of it
                self.close_connection = True
                return None
            if fault == "502":
                return self._answer(502, {}, b'{"error": {"code": "bad_gateway"}}')
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
            return self._answer(answer.status_code, kept, answer.content)

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_DELETE = do_PATCH = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy = Proxy(f"http://127.0.0.1:{server.server_address[1]}", faults)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        client.close()
