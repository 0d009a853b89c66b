"""Issuing a key from the admin: shown once on the reveal page, only its hash in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core import tokens as keys
from partners.models import PartnerKey
from tests.admin.conftest import ADD_URL, CHANGELIST_URL, form_token, issue, keys_in


def test_the_add_form_offers_every_scope_as_a_checkbox(admin_client):
    page = admin_client.get(ADD_URL).content.decode()
    for scope in ["orgs:create", "orgs:list", "orgs:delete", "workspaces:create", "billing:read"]:
        assert f'type="checkbox" name="scopes" value="{scope}"' in page
    assert "Issue key" in page


def test_issuing_shows_the_key_once_and_stores_only_its_hash(admin_client, partner):
    response = issue(
        admin_client, name="acme-ci", partner=partner.pk, scopes=["orgs:create", "orgs:list"]
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    [plaintext] = set(keys_in(page))
    assert keys.is_well_formed(plaintext)
    assert "only time this key is shown" in page
    key = PartnerKey.objects.get()
    assert key.key_hash == keys.hash_token(plaintext)
    assert key.hint == keys.hint(plaintext)
    assert key.partner == partner
    assert key.scopes == ["orgs:create", "orgs:list"]
    assert key.created_by == "admin:admin"
    stored = [str(v) for v in PartnerKey.objects.values_list().get()]
    assert plaintext not in stored


def test_the_key_is_not_left_in_the_session_or_the_messages(admin_client):
    response = issue(admin_client)
    [plaintext] = set(keys_in(response.content.decode()))

    assert plaintext not in str(dict(admin_client.session.items()))
    follow_up = admin_client.get(CHANGELIST_URL).content.decode()
    assert plaintext not in follow_up
    assert keys_in(follow_up) == []


def test_resubmitting_the_same_form_issues_nothing_and_shows_no_key(admin_client):
    data = {"once": form_token(admin_client, ADD_URL), "name": "acme-ci", "scopes": ["orgs:list"]}
    first = admin_client.post(ADD_URL, data)
    assert len(set(keys_in(first.content.decode()))) == 1

    again = admin_client.post(ADD_URL, data, follow=True)

    assert PartnerKey.objects.count() == 1
    page = again.content.decode()
    assert keys_in(page) == []
    assert "already submitted" in page


def test_an_issued_key_authenticates_against_the_api(admin_client, as_key):
    [plaintext] = set(keys_in(issue(admin_client, scopes=["orgs:list"]).content.decode()))

    response = as_key(plaintext).get("/cp/admin/partner-keys")

    assert response.status_code == 200
    assert [k["name"] for k in response.json()["data"]] == ["acme-ci"]


def test_binding_to_an_org_expiry_and_rate_limit_are_stored(admin_client, partner, ready_org):
    expires = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    issue(
        admin_client,
        partner=partner.pk,
        org_id=ready_org.pk,
        expires_at=expires,
        rate_limit="120/m",
    )

    key = PartnerKey.objects.get()
    assert key.org_id == ready_org.pk
    assert key.rate_limit == "120/m"
    assert key.expires_at.strftime("%Y-%m-%dT%H:%M") == expires


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"rate_limit": "lots"}, "Use COUNT/PERIOD with COUNT"),
        ({"expires_at": "2001-01-01T00:00"}, "Must be in the future."),
        ({"scopes": ["orgs:list", "root"]}, "Select a valid choice."),
        ({"org_id": "org_nope"}, "No org &#x27;org_nope&#x27; to bind to."),
        ({"partner": "prt_nope"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_and_issues_nothing(admin_client, fields, message):
    response = issue(admin_client, **fields)

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert PartnerKey.objects.count() == 0
    assert keys_in(page) == []


def test_an_org_of_another_partner_cannot_be_bound(admin_client, other_partner, ready_org):
    response = issue(admin_client, partner=other_partner.pk, org_id=ready_org.pk)

    assert f"No org &#x27;{ready_org.pk}&#x27; to bind to." in response.content.decode()
    assert PartnerKey.objects.count() == 0


def test_a_key_without_scopes_needs_a_confirmation(admin_client):
    refused = issue(admin_client, scopes=None)

    page = refused.content.decode()
    assert "A key with no scopes can only list its partner" in page
    assert 'name="no_scopes"' in page
    assert PartnerKey.objects.count() == 0

    confirmed = issue(admin_client, scopes=None, no_scopes="on")

    assert len(set(keys_in(confirmed.content.decode()))) == 1
    assert "This key has <strong>no scopes</strong>" in confirmed.content.decode()
    assert PartnerKey.objects.get().scopes == []


def test_the_confirmation_is_not_offered_while_scopes_are_ticked(admin_client):
    assert 'name="no_scopes"' not in admin_client.get(ADD_URL).content.decode()
    response = issue(admin_client, rate_limit="lots")  # another error, scopes ticked
    assert 'name="no_scopes"' not in response.content.decode()
