"""One key that cannot be revoked does not undo the others: each key has a savepoint of its own.

The failure is a real one: another transaction holds the key's row lock (a stuck admin session, a
long rotation), and the revocation gives up after its lock timeout instead of holding the whole
report until the worker is killed, which would lose every revocation in it.
"""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connection, transaction

from audit.models import AuditEvent
from partners.models import PartnerKey
from tests.conftest import needs_postgres
from tests.leaks.conftest import match


@pytest.fixture
def row_locked():
    """row_locked(key) holds the key's row lock from another connection until the test ends."""
    locked, release, threads = threading.Event(), threading.Event(), []

    def hold(key_id: str) -> None:
        try:
            with transaction.atomic():
                PartnerKey.objects.select_for_update().get(pk=key_id)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def lock(key: PartnerKey) -> None:
        thread = threading.Thread(target=hold, args=(key.pk,))
        thread.start()
        threads.append(thread)
        assert locked.wait(timeout=10)

    yield lock
    release.set()
    for thread in threads:
        thread.join(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_key_whose_row_stays_locked_is_left_out_and_the_others_are_revoked(
    report, make_key, partner, row_locked, caplog
):
    needs_postgres()
    first, first_token = make_key(partner=partner, name="first")
    stuck, stuck_token = make_key(partner=partner, name="stuck")
    last, last_token = make_key(partner=partner, name="last")
    row_locked(stuck)
    caplog.set_level(logging.ERROR, logger="cp.leaks")

    response = report([match(first_token), match(stuck_token), match(last_token)])

    assert response.status_code == 200, response.content
    assert [r["label"] for r in response.json()] == ["true_positive"] * 3
    states = dict(PartnerKey.objects.values_list("name", "revoked_by"))
    assert states == {
        "first": "github_secret_scanning",
        "stuck": "",
        "last": "github_secret_scanning",
    }
    events = AuditEvent.objects.filter(request_id=response["X-Request-Id"])
    assert sorted(events.filter(action="partner_key.leaked").values_list("key_id", flat=True)) == (
        sorted([first.id, last.id])
    )
    call = events.get(action="secret_scanning.report")
    assert call.details == {
        "reported": 3,
        "true_positives": 3,
        "revoked": 2,
        "failed_key_ids": [stuck.id],
    }
    assert f"Could not revoke leaked key {stuck.id}" in caplog.text
    assert stuck_token not in caplog.text
