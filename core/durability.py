"""How durably a call's audit event is committed: a read on PostgreSQL need not wait for the disk.

A GET or HEAD changes nothing but its own audit event (and, at most once a minute per key, the
key's `last_used_at`). With `CP_AUDIT_ASYNC_COMMIT_READS` (on by default) its transaction commits
with `synchronous_commit = off`: PostgreSQL answers the COMMIT once the WAL record is written,
and its WAL writer flushes it to disk within `wal_writer_delay` (200 ms; three times that at
worst). A crash of the database server inside that window loses those read events; it never
corrupts or reorders anything, and every change (POST, PATCH, DELETE), with its event, stays
fully durable. The README's hot-path section gives the numbers behind the choice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

READ_METHODS = frozenset({"GET", "HEAD"})
ASYNC_COMMIT = "SET LOCAL synchronous_commit = off"


def relax_for_reads(request: HttpRequest) -> None:
    """Let the open transaction of a read call commit without waiting for the disk."""
    if request.method not in READ_METHODS or not settings.CP_AUDIT_ASYNC_COMMIT_READS:
        return
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(ASYNC_COMMIT)
