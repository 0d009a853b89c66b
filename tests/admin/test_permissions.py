"""The "Account team" group does the team's work and no more; revoking is its own permission."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from orgs.models import Org
from partners.models import Partner, PartnerKey
from tests.admin.conftest import (
    ADD_URL,
    CHANGELIST_URL,
    change_url,
    form_token,
    has_link,
    issue,
    key_page_link,
    keys_in,
)

ACCOUNT_TEAM_PERMISSIONS = {
    "partners.view_partner",
    "partners.add_partner",
    "partners.change_partner",
    "partners.view_partnerkey",
    "partners.add_partnerkey",
    "partners.change_partnerkey",
    "partners.revoke_partnerkey",
    "orgs.view_org",
    "orgs.change_org",
    "orgs.view_workspace",
    "orgs.view_subscription",
    "audit.view_auditevent",
    "auditlog.view_logentry",
    "webhooks.view_webhookendpoint",
    "webhooks.view_event",
    "webhooks.view_delivery",
}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def teammate(account_team_user) -> Client:
    return logged_in(account_team_user)


@pytest.fixture
def no_revoke(account_team_user) -> Client:
    """An account-team member whose group lacks the revoke permission."""
    group = Group.objects.create(name="Account team without revoke")
    team = Group.objects.get(name="Account team")
    group.permissions.set(team.permissions.exclude(codename="revoke_partnerkey"))
    account_team_user.groups.set([group])
    return logged_in(account_team_user)


def test_the_group_holds_exactly_the_permissions_the_team_needs(db):
    group = Group.objects.get(name="Account team")

    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}

    assert granted == ACCOUNT_TEAM_PERMISSIONS
    assert not any(p.startswith("auth.") or ".delete_" in p for p in granted)
    revoke = Permission.objects.get(codename="revoke_partnerkey")
    assert revoke.name == "Can revoke partner keys"


def test_a_teammate_creates_a_partner_issues_rotates_and_revokes(teammate, as_key):
    created = teammate.post(
        "/admin/partners/partner/add/", {"name": "Initech", "slug": "initech", "plan": "partner"}
    )
    assert created.status_code == 302
    partner = Partner.objects.get(slug="initech")

    [plaintext] = set(keys_in(issue(teammate, partner=partner.pk).content.decode()))
    key = PartnerKey.objects.get()
    assert key.created_by == "admin:teammate"

    rotate_url = key_page_link(teammate, key.pk, "Rotate")
    rotated = teammate.post(
        rotate_url, {"once": form_token(teammate, rotate_url), "grace_seconds": 0}
    )
    [successor_plain] = set(keys_in(rotated.content.decode()))
    successor = PartnerKey.objects.get(rotated_from=key)
    assert as_key(plaintext).get("/cp/admin/partner-keys").status_code == 401

    teammate.post(key_page_link(teammate, successor.pk, "Revoke"))
    assert as_key(successor_plain).get("/cp/admin/partner-keys").status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/partners/partner/",
        "/admin/partners/partnerkey/",
        "/admin/orgs/org/",
        "/admin/orgs/workspace/",
        "/admin/orgs/subscription/",
        "/admin/audit/auditevent/",
        "/admin/auditlog/logentry/",
    ],
)
def test_a_teammate_reads_every_screen_of_the_console(teammate, url):
    assert teammate.get(url).status_code == 200


@pytest.mark.parametrize(
    "url", ["/admin/auth/user/", "/admin/auth/group/", "/admin/django_tasks_database/dbtaskresult/"]
)
def test_a_teammate_cannot_manage_staff_accounts_or_the_worker(teammate, url):
    assert teammate.get(url).status_code == 403


def test_a_teammate_deletes_nothing(teammate, partner, make_key, ready_org):
    key, _ = make_key(partner=partner)
    for url in [
        f"/admin/partners/partner/{partner.pk}/delete/",
        f"/admin/partners/partnerkey/{key.pk}/delete/",
        f"/admin/orgs/org/{ready_org.pk}/delete/",
    ]:
        assert teammate.get(url).status_code == 403


def test_a_teammate_deprovisions_an_org(teammate, ready_org):
    page = teammate.get(f"/admin/orgs/org/{ready_org.pk}/change/").content.decode()
    assert has_link(page, "Deprovision")

    teammate.post(f"/admin/orgs/org/{ready_org.pk}/deprovision/")

    ready_org.refresh_from_db()
    assert ready_org.status == Org.Status.DELETING


def test_without_the_revoke_permission_there_is_no_revoke_button_and_the_page_refuses(
    no_revoke, make_key, as_key
):
    key, plaintext = make_key(name="acme-ci")

    page = no_revoke.get(change_url(key.pk)).content.decode()
    assert has_link(page, "Rotate") and not has_link(page, "Revoke")
    assert no_revoke.get(f"/admin/partners/partnerkey/{key.pk}/revoke/").status_code == 403
    assert no_revoke.post(f"/admin/partners/partnerkey/{key.pk}/revoke/").status_code == 403

    key.refresh_from_db()
    assert key.revoked_at is None
    assert as_key(plaintext).get("/cp/admin/partner-keys").status_code == 200


def test_without_the_revoke_permission_the_bulk_action_is_absent_and_refused(no_revoke, make_key):
    key, _ = make_key(name="acme-ci")
    assert "revoke_selected" not in no_revoke.get(CHANGELIST_URL).content.decode()

    selected = {"action": "revoke_selected", "_selected_action": [key.pk]}
    no_revoke.post(CHANGELIST_URL, {**selected, "index": 0})
    no_revoke.post(CHANGELIST_URL, {**selected, "confirm": "yes"})

    key.refresh_from_db()
    assert key.revoked_at is None


def test_without_the_revoke_permission_a_rotation_must_keep_some_grace(no_revoke, make_key):
    key, _ = make_key(name="acme-ci")
    url = key_page_link(no_revoke, key.pk, "Rotate")

    response = no_revoke.post(url, {"once": form_token(no_revoke, url), "grace_seconds": 0})

    assert "needs the permission to revoke keys" in response.content.decode()
    assert keys_in(response.content.decode()) == []
    assert PartnerKey.objects.count() == 1


def test_a_staff_user_without_permissions_sees_nothing(staff_user, make_key):
    client = logged_in(staff_user)
    key, _ = make_key()

    assert client.get(CHANGELIST_URL).status_code == 403
    assert client.get(ADD_URL).status_code == 403
    assert client.get(f"/admin/partners/partnerkey/{key.pk}/rotate/").status_code == 403
    assert client.get(f"/admin/partners/partnerkey/{key.pk}/revoke/").status_code == 403
