"""Rotating from a key's page: confirm with a grace period, the successor revealed once, lineage."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core import tokens as keys
from partners import services
from partners.models import PartnerKey
from tests.admin.conftest import change_url, form_token, has_link, key_page_link, keys_in


def rotate(client, key_id: str, grace_seconds: int | str, follow: bool = False) -> object:
    """Click Rotate on the key's page, then confirm the form with `grace_seconds`."""
    url = key_page_link(client, key_id, "Rotate")
    once = form_token(client, url)
    return client.post(url, {"once": once, "grace_seconds": grace_seconds}, follow=follow)


def test_the_rotate_button_leads_to_the_form_with_the_configured_grace(admin_client, make_key):
    key, _ = make_key()
    url = key_page_link(admin_client, key.pk, "Rotate")

    page = admin_client.get(url)

    assert page.status_code == 200
    assert f'value="{settings.PARTNER_KEY_ROTATION_GRACE_SECONDS}"' in page.content.decode()
    assert "_5F" in url  # the admin's quoted id, which the view unquotes
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
    assert "keeps working until" in page
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


def test_after_rotation_both_pages_show_the_lineage_and_their_states(admin_client, make_key):
    old, _ = make_key(name="acme-ci")
    rotate(admin_client, old.pk, 3600)
    new = PartnerKey.objects.get(rotated_from=old)
    old.refresh_from_db()

    old_page = admin_client.get(change_url(old.pk)).content.decode()
    new_page = admin_client.get(change_url(new.pk)).content.decode()

    assert 'class="cp-badge cp-badge-in_grace"' in old_page
    assert "Rotated to:" in old_page and change_url(new.pk) in old_page
    deadline = timezone.localtime(old.expires_at).strftime("%Y-%m-%d %H:%M")
    assert f"This key keeps working until {deadline} UTC, then stops." in old_page
    assert not has_link(old_page, "Rotate")  # rotated once: rotate its successor instead
    assert has_link(old_page, "Revoke")
    assert "Rotated from:" in new_page and change_url(old.pk) in new_page
    assert 'cp-badge-active"' in new_page
    assert has_link(new_page, "Rotate") and has_link(new_page, "Revoke")
    listing = admin_client.get("/admin/partners/partnerkey/").content.decode()
    assert listing.count("cp-badge-in_grace") == 1 and listing.count("cp-badge-active") == 1


def test_rotating_with_no_grace_refuses_the_old_key_at_once(admin_client, make_key, as_key):
    old, old_plain = make_key(name="acme-ci")

    [new_plain] = set(keys_in(rotate(admin_client, old.pk, 0).content.decode()))

    old.refresh_from_db()
    assert old.revoked_by == "admin:admin"
    assert as_key(old_plain).get("/cp/admin/partner-keys").status_code == 401
    assert as_key(new_plain).get("/cp/admin/partner-keys").status_code == 200


def test_a_reloaded_rotation_does_not_rotate_again(admin_client, make_key):
    old, _ = make_key()
    url = key_page_link(admin_client, old.pk, "Rotate")
    data = {"once": form_token(admin_client, url), "grace_seconds": 60}
    admin_client.post(url, data)

    again = admin_client.post(url, data, follow=True)

    assert keys_in(again.content.decode()) == []
    assert PartnerKey.objects.filter(rotated_from=old).count() == 1


def test_rotating_an_already_rotated_key_is_a_message_not_an_error(admin_client, make_key):
    old, _ = make_key()
    url = key_page_link(admin_client, old.pk, "Rotate")
    first = {"once": form_token(admin_client, url), "grace_seconds": 60}
    second = {"once": form_token(admin_client, url), "grace_seconds": 60}  # a second open tab
    admin_client.post(url, first)

    response = admin_client.post(url, second, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "in grace after rotation: it cannot be rotated" in page
    assert keys_in(page) == []
    assert PartnerKey.objects.filter(rotated_from=old).count() == 1


def test_a_service_refusal_during_rotation_is_shown_as_a_message(
    admin_client, make_key, monkeypatch
):
    old, _ = make_key()
    url = key_page_link(admin_client, old.pk, "Rotate")
    data = {"once": form_token(admin_client, url), "grace_seconds": 60}

    def rotated_meanwhile(**kwargs: object) -> None:  # another tab won the race
        raise services.KeyAlreadyRotated()

    monkeypatch.setattr(services, "partner_key_rotate", rotated_meanwhile)
    response = admin_client.post(url, data, follow=True)

    assert response.status_code == 200
    assert services.KeyAlreadyRotated.message in response.content.decode()
    assert response.redirect_chain[-1][0] == change_url(old.pk)


def test_a_bad_grace_is_refused_and_nothing_rotates(admin_client, make_key):
    old, _ = make_key()

    for grace in [-1, "soon", 31 * 86400]:
        response = rotate(admin_client, old.pk, grace)
        assert response.status_code == 200
        assert keys_in(response.content.decode()) == []

    assert PartnerKey.objects.count() == 1


def test_revoked_and_expired_keys_offer_no_rotate_and_refuse_it(admin_client, make_key):
    revoked, _ = make_key(name="revoked")
    PartnerKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired, _ = make_key(name="expired", expires_at=timezone.now() + timedelta(hours=1))
    PartnerKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now())

    for key in [revoked, expired]:
        page = admin_client.get(change_url(key.pk)).content.decode()
        assert not has_link(page, "Rotate")
        assert "/rotate/" not in page
    for key, state in [(revoked, "revoked"), (expired, "expired")]:
        refused = admin_client.get(f"{change_url(key.pk)[:-7]}rotate/", follow=True)
        assert f"This key is {state}: it cannot be rotated." in refused.content.decode()
    assert PartnerKey.objects.count() == 2


def test_an_unknown_key_id_is_a_message_not_a_404_page(admin_client, db):
    response = admin_client.get("/admin/partners/partnerkey/pak_5Fnope/rotate/", follow=True)

    assert response.status_code == 200
    assert "doesn\u2019t exist" in response.content.decode()  # Django's curly apostrophe
