"""Revoking from the admin: confirm first, one-way, and the key is refused on the next API call."""

from __future__ import annotations

from partners.models import PartnerKey
from tests.admin.conftest import CHANGELIST_URL, change_url


def revoke_url(key_id: str) -> str:
    return f"/admin/partners/partnerkey/{key_id}/revoke/"


def test_revoking_asks_for_confirmation_first(admin_client, make_key):
    key, _ = make_key(name="acme-ci")

    assert '/revoke/">Revoke</a>' in admin_client.get(change_url(key.pk)).content.decode()
    page = admin_client.get(revoke_url(key.pk)).content.decode()

    assert "cannot be undone" in page
    assert key.hint in page
    key.refresh_from_db()
    assert key.revoked_at is None


def test_a_key_revoked_in_the_admin_is_refused_on_the_next_api_call(admin_client, make_key, as_key):
    key, plaintext = make_key(name="acme-ci")
    client = as_key(plaintext)
    assert client.get("/cp/admin/partner-keys").status_code == 200

    response = admin_client.post(revoke_url(key.pk), follow=True)

    assert "Revoked 1 key(s)" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key.revoked_by == "admin:admin"
    refused = client.get("/cp/admin/partner-keys")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"


def test_revoking_twice_changes_nothing(admin_client, make_key):
    key, _ = make_key()
    admin_client.post(revoke_url(key.pk))
    first = PartnerKey.objects.get(pk=key.pk).revoked_at

    response = admin_client.post(revoke_url(key.pk), follow=True)

    assert "Revoked 0 key(s) (1 already revoked)" in response.content.decode()
    assert PartnerKey.objects.get(pk=key.pk).revoked_at == first


def test_the_bulk_action_confirms_then_revokes_the_selected_keys(admin_client, make_key, as_key):
    one, one_plain = make_key(name="one")
    two, _ = make_key(name="two")
    _, spared_plain = make_key(name="spared")
    selected = {"action": "revoke_selected", "_selected_action": [one.pk, two.pk]}

    confirm = admin_client.post(CHANGELIST_URL, {**selected, "index": 0})
    assert "cannot be undone" in confirm.content.decode()
    assert PartnerKey.objects.filter(revoked_at__isnull=False).count() == 0

    done = admin_client.post(CHANGELIST_URL, {**selected, "confirm": "yes"}, follow=True)

    assert "Revoked 2 key(s)" in done.content.decode()
    assert set(
        PartnerKey.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True)
    ) == {
        one.pk,
        two.pk,
    }
    assert as_key(one_plain).get("/cp/admin/partner-keys").status_code == 401
    assert as_key(spared_plain).get("/cp/admin/partner-keys").status_code == 200
