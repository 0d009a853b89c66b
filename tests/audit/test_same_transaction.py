"""An event is written in the same transaction as the change it describes."""

from __future__ import annotations

import pytest
from django.db import connection

from audit.models import AuditEvent
from partners.models import Partner, PartnerKey
from tests.audit.conftest import event_of
from tests.conftest import needs_postgres


def _xmin(table: str, pk: str) -> int:
    """The id of the PostgreSQL transaction that inserted the row."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text::bigint FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_successful_change_and_its_event_are_committed_by_the_same_transaction(master):
    needs_postgres()
    response = master.post("/cp/test/change", {})

    assert response.status_code == 201
    event = event_of(response)
    assert event.target_id == response.json()["id"]
    assert _xmin("audit_auditevent", event.id) == _xmin("partners_partner", event.target_id)


@pytest.mark.django_db(transaction=True)
def test_a_change_that_fails_at_commit_leaves_no_success_event_but_a_500_event(master):
    response = master.post("/cp/test/change-then-fail-at-commit", {})

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert not Partner.objects.filter(slug="doomed").exists()
    assert not PartnerKey.objects.filter(name="dangling").exists()
    event = event_of(response)
    assert event.status_code == 500
    assert event.details["error"] == "internal_error"
    assert not AuditEvent.objects.filter(status_code__lt=400).exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_call_rolls_its_change_back_and_still_leaves_its_event(master):
    response = master.post("/cp/test/change-then-conflict", {})

    assert response.status_code == 409
    assert not Partner.objects.filter(slug="doomed").exists()
    event = event_of(response)
    assert (event.status_code, event.action, event.details["error"]) == (
        409,
        "partner.create",
        "conflict",
    )
    assert event.actor_type == "master_key"


@pytest.mark.django_db(transaction=True)
def test_an_unhandled_error_after_a_change_rolls_it_back_and_leaves_a_500_event(master):
    response = master.get("/cp/test/boom")

    assert response.status_code == 500
    assert response.json()["error"]["request_id"] == response["X-Request-Id"]
    assert event_of(response).status_code == 500
