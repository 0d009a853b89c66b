"""The partner screens: create through the service, deactivate/activate, never delete."""

from __future__ import annotations

from partners.models import Partner

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
