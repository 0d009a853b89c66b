"""Events are append-only (ORM, admin); the admin lists, filters and searches them read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from audit.models import AppendOnlyError, AuditEvent

CHANGELIST = "/admin/audit/auditevent/"


@pytest.fixture
def event(db: None) -> AuditEvent:
    return AuditEvent.objects.create(
        request_id="req_abc", actor_type="partner_key", key_id="pak_a", action="org.create"
    )


@pytest.fixture
def admin_client(db: None) -> Client:
    user = get_user_model().objects.create_superuser("ops", "ops@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_an_event_cannot_be_changed_or_deleted_through_the_orm(event):
    event.action = "org.delete"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "org.create"


@pytest.mark.django_db
def test_the_admin_offers_no_add_change_or_delete(admin_client, event):
    page = admin_client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content

    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    admin_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [event.pk]})
    admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "x"})
    assert AuditEvent.objects.get(pk=event.pk).action == "org.create"


@pytest.mark.django_db
def test_the_admin_lists_filters_and_searches_by_request_id(admin_client, event):
    AuditEvent.objects.create(request_id="req_zzz", actor_type="master_key", action="a.b")

    row, other_row = b'field-request_id">req_abc', b'field-request_id">req_zzz'
    assert row in admin_client.get(CHANGELIST).content
    for query in ("q=req_abc", "key=pak_a", "action=org.create", "status=4xx&q=req_abc"):
        content = admin_client.get(f"{CHANGELIST}?{query}").content
        assert (row in content) == (query != "status=4xx&q=req_abc"), query
        assert other_row not in content, query
