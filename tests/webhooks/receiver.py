"""A real HTTP receiver on 127.0.0.1 for webhook tests: scripted answers, every request kept."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when the answer was sent

    def verify(self, secret: str) -> dict:
        """The body, if the Standard Webhooks signature checks out with `secret` (else raises)."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    """Answers each POST with the next status of `script` (then `then`); `hold` blocks answers."""

    url: str = ""
    script: list[int] = field(default_factory=list)
    then: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None
    requests: list[Received] = field(default_factory=list)
    arrived: list[Received] = field(default_factory=list)  # answered or not
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        """Block until `count` requests were answered; the requests so far."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"received {len(self.requests)} of {count} webhook(s)")
            time.sleep(0.02)
        return list(self.requests)

    def wait_arrived(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.arrived) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.arrived)} of {count} request(s) arrived")
            time.sleep(0.02)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver.arrived.append(Received(self.path, headers, body, time.time()))
            if receiver.hold is not None:
                receiver.hold.wait(timeout=60)
            with receiver.lock:
                status = receiver.script.pop(0) if receiver.script else receiver.then
            with contextlib.suppress(OSError):  # the sender may be gone (a killed worker)
                self.send_response(status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                receiver.requests.append(Received(self.path, headers, body, time.time()))

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextlib.contextmanager
def receiving(**options: object) -> Iterator[Receiver]:
    receiver = Receiver(**options)  # type: ignore[arg-type]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        server.shutdown()
        server.server_close()
