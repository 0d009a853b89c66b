"""The key list and change pages: metadata only, never a hash or plaintext, no delete."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from partners.models import PartnerKey
from tests.admin.conftest import CHANGELIST_URL, change_url, issue, keys_in


def test_the_changelist_and_change_page_never_show_the_plaintext_or_the_hash(admin_client):
    [plaintext] = set(keys_in(issue(admin_client, name="acme-ci").content.decode()))
    key = PartnerKey.objects.get()

    for url in [CHANGELIST_URL, change_url(key.pk), f"{CHANGELIST_URL}?q=acme"]:
        page = admin_client.get(url).content.decode()
        assert key.hint in page
        assert plaintext not in page
        assert key.key_hash not in page
        assert "key_hash" not in page
        assert keys_in(page) == []


def test_the_changelist_shows_state_partner_scopes_and_usage(admin_client, make_key, partner):
    now = timezone.now()
    make_key(name="live-key", scopes=["orgs:list"], partner=partner)
    make_key(name="old", expires_at=now - timedelta(days=1))
    gone, _ = make_key(name="gone")
    gone.revoked_at = now
    gone.save()

    page = admin_client.get(CHANGELIST_URL).content.decode()
    for text in ["live-key", "old", "gone", ">acme<", "orgs:list"]:
        assert text in page
    for state in ["active", "expired", "revoked"]:
        assert f'class="cp-badge cp-badge-{state}"' in page

    revoked_only = admin_client.get(f"{CHANGELIST_URL}?state=revoked").content.decode()
    assert "gone" in revoked_only
    assert "live-key" not in revoked_only  # (the sidebar's "Deliveries" contains "live")


def test_deactivating_the_partner_shows_its_keys_as_partner_inactive(
    admin_client, make_key, partner
):
    make_key(name="acme-ci", partner=partner)
    partner.active = False
    partner.save()

    page = admin_client.get(f"{CHANGELIST_URL}?state=partner_inactive").content.decode()

    assert "acme-ci" in page
    assert "partner inactive</span>" in page


def test_keys_cannot_be_deleted_from_the_admin(admin_client, make_key):
    key, _ = make_key()

    assert admin_client.get(f"/admin/partners/partnerkey/{key.pk}/delete/").status_code == 403
    changelist = admin_client.get(CHANGELIST_URL).content.decode()
    assert "delete_selected" not in changelist
    assert PartnerKey.objects.filter(pk=key.pk).exists()


def test_only_name_and_rate_limit_change_after_issue(admin_client, make_key, partner):
    key, _ = make_key(name="before", scopes=["orgs:list"], partner=partner)
    page = admin_client.get(change_url(key.pk)).content.decode()
    assert "issue a new key and revoke this one" in page
    assert 'name="scopes"' not in page
    assert 'name="partner"' not in page

    response = admin_client.post(
        change_url(key.pk),
        {"name": "after", "rate_limit": "60/m", "scopes": '["orgs:delete"]', "partner": ""},
    )

    assert response.status_code == 302
    key.refresh_from_db()
    assert (key.name, key.rate_limit) == ("after", "60/m")
    assert key.scopes == ["orgs:list"]
    assert key.partner == partner


def test_a_bad_rate_limit_is_refused_on_the_change_page(admin_client, make_key):
    key, _ = make_key(name="k")

    response = admin_client.post(change_url(key.pk), {"name": "k", "rate_limit": "fast"})

    assert response.status_code == 200
    assert "Use COUNT/PERIOD" in response.content.decode()
    key.refresh_from_db()
    assert key.rate_limit == ""


def test_a_revoked_key_is_view_only(admin_client, make_key):
    key, _ = make_key(name="k")
    key.revoked_at = timezone.now()
    key.save()

    page = admin_client.get(change_url(key.pk)).content.decode()
    assert 'name="name"' not in page
    assert "/rotate/" not in page and "/revoke/" not in page
    response = admin_client.post(change_url(key.pk), {"name": "renamed", "rate_limit": ""})
    assert response.status_code == 403
    key.refresh_from_db()
    assert key.name == "k"
