"""An unreachable database, as a call and as ops see it: a bounded wait, a 503, one log line.

PostgreSQL enforces `statement_timeout` and `lock_timeout` itself (settings), but a stalled server
(paused, swapping, a network that drops packets without a reset) enforces nothing, and its kernel
still acknowledges what the client sends, so TCP keepalives do not notice either: the client would
wait for an answer for ever. So every connection Django opens waits at most `DB_ANSWER_TIMEOUT`
seconds for any answer; past it the connection is closed and the call fails like any other
unreachable database: `503 service_unavailable` with `Retry-After` for the API (`unavailable`), a
backoff for the worker.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.db.backends.signals import connection_created
from django.http import HttpRequest
from psycopg.errors import _WaitTimeout  # what psycopg's own wait raises when its timeout expires

from core.context import call_context
from core.errors import ServiceUnavailable

logger = logging.getLogger("cp.errors")

# What an unreachable, stalled or overloaded database raises (through Django's wrappers): connection
# refused or lost, our answer timeout, and the server's statement and lock timeouts.
UNAVAILABLE = (OperationalError, InterfaceError)


class BoundedConnection(psycopg.Connection):
    """A psycopg connection whose every wait for the server ends after `answer_timeout` seconds."""

    answer_timeout: float | None = None

    def wait(self, gen: Any, *args: Any, **kwargs: Any) -> Any:
        if len(args) < 2 and kwargs.get("timeout") is None:
            kwargs["timeout"] = self.answer_timeout
        try:
            return super().wait(gen, *args, **kwargs)
        except _WaitTimeout:
            # Half a conversation with the server is no state to go on from: drop the connection.
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"The database did not answer within {kwargs['timeout']:g} s; connection closed."
            ) from None


def _bound_waits(sender: Any, connection: Any, **kwargs: Any) -> None:
    raw: Any = connection.connection
    if type(raw) is psycopg.Connection:
        raw.__class__ = BoundedConnection  # same layout, one method more
        bounded = cast(BoundedConnection, raw)
        bounded.answer_timeout = settings.DB_ANSWER_TIMEOUT


def install() -> None:
    """Bound the waits of every PostgreSQL connection Django opens from now on."""
    connection_created.connect(_bound_waits, dispatch_uid="core.database.bound_waits")


def unavailable(request: HttpRequest, error: Exception) -> ServiceUnavailable:
    """The 503 for a call the database could not serve; logged once a call, noted for its audit."""
    context = call_context(request)
    if not context.database_unavailable:
        context.database_unavailable = True
        logger.error(
            "Database unavailable in %s %s (%s): %s: %s",
            request.method,
            request.path,
            context.request_id,
            type(error).__name__,
            str(error).strip(),
        )
    context.annotate(database="unavailable")
    return ServiceUnavailable(
        "The service is temporarily unavailable; retry after the time in Retry-After.",
        retry_after=settings.CP_UNAVAILABLE_RETRY_AFTER_SECONDS,
    )


def connection_survived(using: str = "default") -> bool:
    """Whether the failed call's connection is still open (a cancelled statement), not gone."""
    raw = connections[using].connection
    return raw is not None and not getattr(raw, "closed", False)
