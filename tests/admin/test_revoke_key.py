"""Revoking from a key's page: confirm first, one-way; the key is refused on the next API call."""

from __future__ import annotations

from django.utils import timezone

from partners import services
from partners.models import PartnerKey
from tests.admin.conftest import CHANGELIST_URL, change_url, has_link, key_page_link


def test_revoking_asks_for_confirmation_first(admin_client, make_key):
    key, _ = make_key(name="acme-ci")

    page = admin_client.get(key_page_link(admin_client, key.pk, "Revoke")).content.decode()

    assert "cannot be undone" in page
    assert key.hint in page
    assert "Revoke both" not in page  # nothing in grace behind it
    key.refresh_from_db()
    assert key.revoked_at is None


def test_a_key_revoked_in_the_admin_is_refused_on_the_next_api_call(admin_client, make_key, as_key):
    key, plaintext = make_key(name="acme-ci")
    client = as_key(plaintext)
    assert client.get("/cp/admin/partner-keys").status_code == 200

    response = admin_client.post(key_page_link(admin_client, key.pk, "Revoke"), follow=True)

    page = response.content.decode()
    assert "Revoked 1 key(s)" in page
    assert response.redirect_chain[-1][0] == change_url(key.pk)
    assert 'cp-badge-revoked"' in page
    assert not has_link(page, "Revoke") and not has_link(page, "Rotate")
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key.revoked_by == "admin:admin"
    refused = client.get("/cp/admin/partner-keys")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"


def test_revoking_twice_changes_nothing(admin_client, make_key):
    key, _ = make_key()
    url = key_page_link(admin_client, key.pk, "Revoke")
    admin_client.post(url)
    first = PartnerKey.objects.get(pk=key.pk).revoked_at

    response = admin_client.post(url, follow=True)

    assert "Revoked 0 key(s) (1 already revoked)" in response.content.decode()
    assert PartnerKey.objects.get(pk=key.pk).revoked_at == first


def rotated_pair(make_key) -> tuple[PartnerKey, str, PartnerKey, str]:
    old, old_plain = make_key(name="acme-ci")
    issued = services.partner_key_rotate(key=old, grace_seconds=3600, rotated_by="test")
    return old, old_plain, issued.key, issued.plaintext


def test_revoking_a_successor_says_its_predecessor_still_works_and_offers_both(
    admin_client, make_key
):
    old, _, new, _ = rotated_pair(make_key)
    old.refresh_from_db()

    page = admin_client.get(key_page_link(admin_client, new.pk, "Revoke")).content.decode()

    assert "This key replaced a key that still works" in page
    assert old.hint in page and old.pk in page
    assert timezone.localtime(old.expires_at).strftime("%Y-%m-%d %H:%M") in page
    assert 'name="predecessors" value="revoke"' in page
    assert 'name="predecessors" value="keep"' in page


def test_revoke_both_refuses_the_successor_and_its_predecessor_in_grace(
    admin_client, make_key, as_key
):
    _, old_plain, new, new_plain = rotated_pair(make_key)
    url = key_page_link(admin_client, new.pk, "Revoke")

    response = admin_client.post(url, {"predecessors": "revoke"}, follow=True)

    assert "Revoked 2 key(s)" in response.content.decode()
    assert as_key(new_plain).get("/cp/admin/partner-keys").status_code == 401
    assert as_key(old_plain).get("/cp/admin/partner-keys").status_code == 401


def test_revoke_only_this_key_leaves_the_predecessor_working_until_its_grace_ends(
    admin_client, make_key, as_key
):
    _, old_plain, new, new_plain = rotated_pair(make_key)
    url = key_page_link(admin_client, new.pk, "Revoke")

    response = admin_client.post(url, {"predecessors": "keep"}, follow=True)

    assert "Revoked 1 key(s)" in response.content.decode()
    assert as_key(new_plain).get("/cp/admin/partner-keys").status_code == 401
    assert as_key(old_plain).get("/cp/admin/partner-keys").status_code == 200


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
    revoked = PartnerKey.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True)
    assert set(revoked) == {one.pk, two.pk}
    assert as_key(one_plain).get("/cp/admin/partner-keys").status_code == 401
    assert as_key(spared_plain).get("/cp/admin/partner-keys").status_code == 200


def test_the_bulk_action_offers_the_predecessors_in_grace_too(admin_client, make_key, as_key):
    old, old_plain, new, _ = rotated_pair(make_key)
    selected = {"action": "revoke_selected", "_selected_action": [new.pk]}

    confirm = admin_client.post(CHANGELIST_URL, {**selected, "index": 0}).content.decode()
    assert "replaced a key that still works" in confirm and old.hint in confirm

    admin_client.post(CHANGELIST_URL, {**selected, "confirm": "yes", "predecessors": "revoke"})

    assert PartnerKey.objects.filter(revoked_at__isnull=True).count() == 0
    assert as_key(old_plain).get("/cp/admin/partner-keys").status_code == 401


def test_revoke_both_leaves_a_predecessor_whose_grace_is_over_as_it_was(admin_client, make_key):
    old, _, new, _ = rotated_pair(make_key)
    PartnerKey.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    url = key_page_link(admin_client, new.pk, "Revoke")
    assert "Revoke both" not in admin_client.get(url).content.decode()

    response = admin_client.post(url, {"predecessors": "revoke"}, follow=True)

    assert "Revoked 1 key(s)" in response.content.decode()
    old.refresh_from_db()
    assert old.revoked_at is None  # expired stays expired: the trail says what happened
