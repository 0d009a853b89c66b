"""gunicorn's side of the production server (gunicorn.conf.py): a worker that slow clients cannot
stall, gunicorn's own error answers as the JSON envelope, and its logs redacted.

gunicorn's `gthread` worker gives a connection a thread as soon as its first bytes arrive, and the
thread then waits for the rest of the request: 16 threads (4 workers x 4) are held by 16 clients
that send a header line every few seconds, and the server stops answering, `/healthz` included.
`BufferingThreadWorker` reads each request on the worker's event loop first, as nginx would in
front of it: a thread is taken only once the head and a body of known length (up to
CP_MAX_BODY_BYTES, or a whole chunked body) are in memory. A client that has not sent its request
within WEB_READ_TIMEOUT seconds is answered `408` and disconnected. What the worker cannot buffer
(TLS terminated by gunicorn itself, HTTP/2 prior knowledge, a client waiting on
`Expect: 100-continue`, bytes pipelined behind a request) takes gunicorn's usual path.

Depends on gunicorn 27's gthread internals (`TConn`, the poller): pinned in pyproject.toml.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import selectors
import socket
import time
from collections import deque
from functools import partial
from typing import Any

from gunicorn import glogging, util
from gunicorn.http2 import negotiation
from gunicorn.workers import gthread

from core.errors import PLAIN_ERRORS, error_body
from core.ids import new_id
from core.redaction import RedactingFilter

logger = logging.getLogger("gunicorn.error")

# Seconds a client has to send its whole request (head, and a body the worker buffers).
READ_TIMEOUT = float(os.environ.get("WEB_READ_TIMEOUT", "10"))
# A head longer than this goes to a thread at once: gunicorn's parser refuses it (414/431).
MAX_HEAD_BYTES = 64 * 1024
_CONTENT_LENGTH = re.compile(rb"\ncontent-length:[ \t]*(\d{1,18})[ \t]*(?:\r|$)", re.MULTILINE)


def error_answer(status: int, reason: str) -> bytes:
    """An HTTP response: JSON envelope with a new request id; the connection then closes."""
    request_id = new_id("req")
    code, message = PLAIN_ERRORS.get(status, ("error", "The request failed."))
    body = json.dumps(error_body(code, message, request_id)).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Request-Id: {request_id}\r\n\r\n"
    )
    logger.info("Answered %s before the application, request id %s", status, request_id)
    return head.encode("latin-1") + body


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, in JSON; `mesg` (it may echo the request) is not sent."""
    util.write_nonblock(sock, error_answer(status_int, reason))


def request_is_buffered(data: bytes, max_body: int) -> bool:
    """Whether a thread can serve this request without waiting on the client for more bytes."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return len(data) > MAX_HEAD_BYTES
    head, body = data[:end].lower(), data[end + 4 :]
    if b"\nexpect:" in head:  # the client sends its body only once it is told to continue
        return True
    length = _CONTENT_LENGTH.search(head)
    if length:
        return int(length[1]) > max_body or len(body) >= int(length[1])
    if b"\ntransfer-encoding:" in head and b"chunked" in head:
        return len(body) > max_body or _last_chunk_arrived(body)
    return True  # no body


def _last_chunk_arrived(body: bytes) -> bool:
    """Walks the chunk sizes: True once the `0` chunk and the blank line after it are in."""
    pos = 0
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0:
            return False
        try:
            size = int(body[pos:eol].split(b";", 1)[0].strip(), 16)
        except ValueError:
            return True  # not chunked framing: the parser refuses it at once
        if size <= 0:
            return size < 0 or body.find(b"\r\n\r\n", eol) >= 0
        pos = eol + 2 + size + 2
        if pos > len(body):
            return False


class BufferingThreadWorker(gthread.ThreadWorker):
    """gthread, except that each request is read on the event loop before a thread serves it."""

    max_body = 64 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading: deque[gthread.TConn] = deque()  # requests still arriving, oldest first

    def init_process(self) -> None:
        util.write_error = write_json_error  # the one place gunicorn writes its own error pages
        super().init_process()

    def load_wsgi(self) -> None:
        super().load_wsgi()
        from django.conf import settings  # loaded with the application

        self.max_body = settings.CP_MAX_BODY_BYTES

    def accept(self, listener: socket.socket) -> None:
        try:
            sock, addr = listener.accept()
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                return
            raise
        self.nr_conns += 1
        conn = gthread.TConn(self.cfg, sock, addr, listener.getsockname())
        if self.cfg.is_ssl or negotiation.prior_knowledge_allowed(self.cfg, addr):
            sock.setblocking(True)
            self.enqueue_req(conn)
            return
        self._read_request(conn)

    def on_client_socket_readable(self, conn: gthread.TConn, client: socket.socket) -> None:
        """A kept-alive connection's next request: read it on the loop too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_request(conn)

    def _read_request(self, conn: gthread.TConn) -> None:
        conn.buffered = bytearray()
        conn.timeout = time.monotonic() + READ_TIMEOUT
        self.reading.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_bytes, conn))

    def _on_bytes(self, conn: gthread.TConn, client: socket.socket) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data:
            conn.buffered += data
            if not request_is_buffered(conn.buffered, self.max_body):
                return
        self.poller.unregister(conn.sock)
        self.reading.remove(conn)
        if not data:  # the client went away
            self.nr_conns -= 1
            conn.close()
            return
        conn.init()  # blocking from here on, as gthread's threads expect
        conn.parser.unreader.unread(bytes(conn.buffered))
        conn.buffered = bytearray()
        self.enqueue_req(conn)

    def murder_pending(self) -> None:
        """Besides gthread's idle connections: requests not in within WEB_READ_TIMEOUT get a 408."""
        super().murder_pending()
        now = time.monotonic()
        while self.reading and self.reading[0].timeout <= now:
            conn = self.reading.popleft()
            self.poller.unregister(conn.sock)
            self.nr_conns -= 1
            with contextlib.suppress(OSError):
                conn.sock.send(error_answer(408, "Request Timeout"))
            conn.close()


class RedactingLogger(glogging.Logger):
    """gunicorn's logger, with core.redaction on the handlers of its access and error logs."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                    handler.addFilter(RedactingFilter())
