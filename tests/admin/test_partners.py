"""The partner screens: create through the service, deactivate/activate, never delete."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.admin.utils import quote

from orgs.models import Org
from partners import services
from partners.models import Partner
from tests.admin.conftest import link

CHANGELIST = "/admin/partners/partner/"


def test_partners_are_listed_searched_and_filtered(admin_client, partner, other_partner):
    other_partner.plan = Partner.Plan.ENTERPRISE
    other_partner.save()

    page = admin_client.get(CHANGELIST).content.decode()
    assert "Acme" in page and "Globex" in page

    enterprise = admin_client.get(f"{CHANGELIST}?plan__exact=enterprise").content.decode()
    assert "Globex" in enterprise and "Acme" not in enterprise
    found = admin_client.get(f"{CHANGELIST}?q=acme").content.decode()
    assert "Acme" in found and "Globex" not in found


def test_a_partner_created_in_the_admin_is_usable_by_the_api(admin_client, master):
    response = admin_client.post(
        "/admin/partners/partner/add/", {"name": "Initech", "slug": "initech", "plan": "partner"}
    )

    assert response.status_code == 302
    partner = Partner.objects.get(slug="initech")
    assert partner.active
    assert master.get("/cp/admin/partners/initech").json()["id"] == partner.pk


def test_a_taken_slug_is_refused(admin_client, partner):
    response = admin_client.post(
        "/admin/partners/partner/add/", {"name": "Acme 2", "slug": "acme", "plan": "partner"}
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Partner.objects.count() == 1


def test_deactivating_a_partner_refuses_its_keys_and_activating_restores_them(
    admin_client, partner, make_key, as_key
):
    _, plaintext = make_key(partner=partner)
    selected = {"_selected_action": [partner.pk], "index": 0}

    admin_client.post(CHANGELIST, {**selected, "action": "deactivate_partners"})

    partner.refresh_from_db()
    assert not partner.active
    assert partner.deactivated_at is not None
    assert as_key(plaintext).get("/cp/admin/partner-keys").status_code == 401

    admin_client.post(CHANGELIST, {**selected, "action": "activate_partners"})

    partner.refresh_from_db()
    assert partner.active
    assert partner.deactivated_at is None
    assert as_key(plaintext).get("/cp/admin/partner-keys").status_code == 200


def test_unticking_active_on_the_change_page_deactivates_through_the_service(admin_client, partner):
    url = f"/admin/partners/partner/{partner.pk}/change/"
    response = admin_client.post(
        url,
        {
            "name": "Acme",
            "plan": "enterprise",
            "keys-TOTAL_FORMS": 0,
            "keys-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.active, partner.plan) == (False, "enterprise")
    assert partner.deactivated_at is not None
    assert partner.slug == "acme"


def test_the_partner_page_lists_its_keys_without_secrets(admin_client, partner, make_key):
    key, plaintext = make_key(name="acme-ci", partner=partner)

    page = admin_client.get(f"/admin/partners/partner/{partner.pk}/change/").content.decode()

    assert "acme-ci" in page and key.hint in page
    assert plaintext not in page and key.key_hash not in page


def test_partners_cannot_be_deleted(admin_client, partner):
    assert admin_client.get(f"/admin/partners/partner/{partner.pk}/delete/").status_code == 403


@pytest.mark.parametrize("slug", ["UPPER--", "under_score", "-edge", "a", "two--hyphens"])
def test_the_admin_refuses_the_slugs_the_api_refuses_with_the_same_message(
    admin_client, master, slug
):
    api = master.post("/cp/admin/partners", {"name": "X", "slug": slug})
    assert api.status_code == 400
    [api_message] = api.json()["error"]["fields"]["slug"]

    response = admin_client.post(
        "/admin/partners/partner/add/", {"name": "X", "slug": slug, "plan": "partner"}
    )

    assert response.status_code == 200
    errors = re.findall(r'id="id_slug_error"><li>([^<]+)</li>', response.content.decode())
    assert [html.unescape(e) for e in errors] == [api_message]
    assert not Partner.objects.filter(name="X").exists()


def test_after_creating_a_partner_its_page_offers_to_issue_it_a_key(admin_client):
    response = admin_client.post(
        "/admin/partners/partner/add/",
        {"name": "Initech", "slug": "initech", "plan": "partner"},
        follow=True,
    )

    partner = Partner.objects.get(slug="initech")
    assert response.redirect_chain[-1][0] == f"/admin/partners/partner/{quote(partner.pk)}/change/"
    page = response.content.decode()
    assert "Next: issue it a key" in page
    issue_url = link(page, "Issue a key for this partner")
    form = admin_client.get(issue_url).content.decode()
    assert f'<option value="{partner.pk}" selected>' in form


def test_the_partner_page_lists_its_keys_with_their_state_and_its_orgs(
    admin_client, partner, make_key, ready_org
):
    key, _ = make_key(name="acme-ci", partner=partner)
    services.partner_key_rotate(key=key, grace_seconds=60, rotated_by="test")
    Org.objects.create(name="Other", slug="not-acme", plan="standard")

    page = admin_client.get(f"/admin/partners/partner/{partner.pk}/change/").content.decode()

    assert 'cp-badge-in_grace"' in page and 'cp-badge-active"' in page
    assert ">acme-prod</a>" in page and "not-acme" not in page
    assert 'cp-badge-org-ready">ready' in page
    assert link(page, "All 1 org of this partner") == (
        f"/admin/orgs/org/?partner__id__exact={partner.pk}"
    )


def test_a_slug_taken_by_a_concurrent_create_is_a_message_not_an_error(admin_client, monkeypatch):
    def taken_meanwhile(**kwargs: object) -> None:  # the unique index decided the race
        raise services.PartnerSlugTaken()

    monkeypatch.setattr(services, "partner_create", taken_meanwhile)
    response = admin_client.post(
        "/admin/partners/partner/add/",
        {"name": "Initech", "slug": "initech", "plan": "partner"},
        follow=True,
    )

    assert response.status_code == 200
    assert services.PartnerSlugTaken.message in response.content.decode()
    assert not Partner.objects.filter(slug="initech").exists()
