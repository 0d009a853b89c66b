"""Rotating from the admin: confirm with a grace period, the successor revealed once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core import tokens as keys
from partners.models import PartnerKey
from tests.admin.conftest import change_url, form_token, keys_in


def rotate_url(key_id: str) -> str:
    return f"/admin/partners/partnerkey/{key_id}/rotate/"


def rotate(client, key_id: str, grace_seconds: int | str) -> object:
    once = form_token(client, rotate_url(key_id))
    return client.post(rotate_url(key_id), {"once": once, "grace_seconds": grace_seconds})


def test_the_rotate_form_defaults_to_the_configured_grace(admin_client, make_key):
    key, _ = make_key()

    page = admin_client.get(rotate_url(key.pk)).content.decode()

    assert f'value="{settings.PARTNER_KEY_ROTATION_GRACE_SECONDS}"' in page
    assert PartnerKey.objects.count() == 1


def test_rotating_reveals_the_successor_once_and_the_old_key_works_for_the_grace(
    admin_client, make_key, partner, as_key
):
    old, old_plain = make_key(name="acme-ci", scopes=["orgs:list"], partner=partner)

    response = rotate(admin_client, old.pk, 3600)

    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [new_plain] = set(keys_in(page))
    assert new_plain != old_plain
    successor = PartnerKey.objects.get(rotated_from=old)
    assert successor.key_hash == keys.hash_token(new_plain)
    assert (successor.partner, successor.scopes) == (partner, ["orgs:list"])
    assert successor.created_by == "admin:admin"
    old.refresh_from_db()
    assert old.revoked_at is None
    assert timezone.now() + timedelta(minutes=59) < old.expires_at
    assert as_key(old_plain).get("/cp/admin/partner-keys").status_code == 200
    assert as_key(new_plain).get("/cp/admin/partner-keys").status_code == 200
    for url in [change_url(successor.pk), f"/admin/partners/partnerkey/{old.pk}/history/"]:
        assert keys_in(admin_client.get(url).content.decode()) == []


def test_rotating_with_no_grace_refuses_the_old_key_at_once(admin_client, make_key, as_key):
    old, old_plain = make_key(name="acme-ci")

    [new_plain] = set(keys_in(rotate(admin_client, old.pk, 0).content.decode()))

    old.refresh_from_db()
    assert old.revoked_by == "admin:admin"
    assert as_key(old_plain).get("/cp/admin/partner-keys").status_code == 401
    assert as_key(new_plain).get("/cp/admin/partner-keys").status_code == 200


def test_a_reloaded_rotation_does_not_rotate_again(admin_client, make_key):
    old, _ = make_key()
    data = {"once": form_token(admin_client, rotate_url(old.pk)), "grace_seconds": 60}
    admin_client.post(rotate_url(old.pk), data)

    again = admin_client.post(rotate_url(old.pk), data, follow=True)

    assert keys_in(again.content.decode()) == []
    assert PartnerKey.objects.filter(rotated_from=old).count() == 1


def test_a_bad_grace_is_refused_and_nothing_rotates(admin_client, make_key):
    old, _ = make_key()

    for grace in [-1, "soon", 31 * 86400]:
        response = rotate(admin_client, old.pk, grace)
        assert response.status_code == 200
        assert keys_in(response.content.decode()) == []

    assert PartnerKey.objects.count() == 1


def test_a_revoked_key_cannot_be_rotated(admin_client, make_key):
    old, _ = make_key()
    old.revoked_at = timezone.now()
    old.save()

    assert admin_client.get(rotate_url(old.pk)).status_code == 403
    assert PartnerKey.objects.count() == 1
