"""How durably a call's audit event is committed: a read on PostgreSQL need not wait for the disk.

A GET or HEAD changes nothing but its own audit event (and, at most once a minute per key, the
key's `last_used_at`). With `CP_AUDIT_ASYNC_COMMIT_READS` (on by default) its transaction commits
with `synchronous_commit = off`: PostgreSQL answers the COMMIT once the WAL record is written,
and its WAL writer flushes it to disk within `wal_writer_delay` (200 ms; three times that at
worst). A crash of the database server inside that window loses those read events; it never
corrupts or reorders anything, and every change (POST, PATCH, DELETE), with its event, stays
fully durable. The README's hot-path section gives the numbers behind the choice.

The `SET LOCAL` travels with the event's INSERT, as one query string (`SET LOCAL …; INSERT …`),
so it costs no round trip of its own: Django's default client-side parameter binding sends such
a string in one message. With `server_side_binding` on, reads commit durably.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

READ_METHODS = frozenset({"GET", "HEAD"})
ASYNC_COMMIT = "SET LOCAL synchronous_commit = off"


@contextmanager
def commit_of(request: HttpRequest) -> Iterator[None]:
    """Around the call's audit INSERT: for a read, make its transaction commit asynchronously."""
    if not _relaxes(request):
        yield
        return
    pending = True

    def with_async_commit(
        execute: Callable, sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        nonlocal pending
        if pending and sql.startswith("INSERT"):
            pending, sql = False, f"{ASYNC_COMMIT}; {sql}"
        return execute(sql, params, many, context)

    with connection.execute_wrapper(with_async_commit):
        yield


def _relaxes(request: HttpRequest) -> bool:
    return (
        request.method in READ_METHODS
        and settings.CP_AUDIT_ASYNC_COMMIT_READS
        and connection.vendor == "postgresql"
        and connection.in_atomic_block
        and not connection.settings_dict["OPTIONS"].get("server_side_binding")
    )
