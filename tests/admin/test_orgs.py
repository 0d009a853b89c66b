"""The read-mostly org screens: list, filter, search; no writes, no token hash."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from audit.models import AuditEvent
from orgs.models import Org, Subscription, Workspace
from tests.admin.conftest import has_link, link


def test_orgs_are_listed_filtered_and_searched(admin_client, partner, ready_org):
    Org.objects.create(name="CI", slug="ci-123", plan="enterprise", external_id="ext-42")

    page = admin_client.get("/admin/orgs/org/").content.decode()
    assert "acme-prod" in page and "ci-123" in page

    ready = admin_client.get("/admin/orgs/org/?status__exact=ready").content.decode()
    assert "acme-prod" in ready and "ci-123" not in ready
    by_partner = admin_client.get(f"/admin/orgs/org/?partner__id__exact={partner.pk}")
    assert "ci-123" not in by_partner.content.decode()
    by_plan = admin_client.get("/admin/orgs/org/?plan=enterprise").content.decode()
    assert "ci-123" in by_plan and "acme-prod" not in by_plan
    for term in ["ext-42", "ci-123"]:
        found = admin_client.get(f"/admin/orgs/org/?q={term}").content.decode()
        assert "ci-123" in found and "acme-prod" not in found
    by_id = admin_client.get(f"/admin/orgs/org/?q={ready_org.pk}").content.decode()
    assert "acme-prod" in by_id and "ci-123" not in by_id


def test_orgs_are_read_only_in_the_admin(admin_client, ready_org):
    url = f"/admin/orgs/org/{ready_org.pk}/change/"

    assert 'name="status"' not in admin_client.get(url).content.decode()
    assert admin_client.post(url, {"status": "deleted"}).status_code == 403
    assert admin_client.get("/admin/orgs/org/add/").status_code == 403
    assert admin_client.get(f"/admin/orgs/org/{ready_org.pk}/delete/").status_code == 403
    ready_org.refresh_from_db()
    assert ready_org.status == "ready"


def test_workspace_pages_show_the_token_hint_never_its_hash(admin_client, ready_org):
    workspace = Workspace.objects.create(
        org=ready_org, name="main", token_hash="f" * 64, token_hint="mol_ws_abcd…wxyz"
    )

    for url in [
        "/admin/orgs/workspace/",
        f"/admin/orgs/workspace/{workspace.pk}/change/",
        f"/admin/orgs/org/{ready_org.pk}/change/",
    ]:
        page = admin_client.get(url).content.decode()
        assert "mol_ws_abcd…wxyz" in page
        assert "f" * 64 not in page


def test_subscriptions_are_listed_and_filtered_by_status(admin_client, ready_org):
    now = timezone.now()
    Subscription.objects.create(
        org=ready_org,
        plan="standard",
        current_period_start=now,
        current_period_end=now + timedelta(days=30),
    )

    page = admin_client.get("/admin/orgs/subscription/?status__exact=active").content.decode()

    assert "acme-prod" in page
    canceled = admin_client.get("/admin/orgs/subscription/?status__exact=canceled")
    assert "acme-prod" not in canceled.content.decode()


def failed_org(partner) -> Org:
    return Org.objects.create(
        name="Acme CI",
        slug="acme-ci",
        plan="standard",
        partner=partner,
        status="failed",
        failed_at=timezone.now(),
        error="provisioner: quota exceeded",
        attempts=5,
    )


def test_a_failed_org_offers_retry_which_confirms_then_requeues_it(admin_client, partner):
    org = failed_org(partner)
    page = admin_client.get(f"/admin/orgs/org/{org.pk}/change/").content.decode()
    retry_url = link(page, "Retry provisioning")

    confirm = admin_client.get(retry_url).content.decode()
    assert "provisioner: quota exceeded" in confirm and "5 attempts" in confirm
    org.refresh_from_db()
    assert org.status == "failed"

    done = admin_client.post(retry_url, follow=True)

    assert "Org acme-ci is provisioning again" in done.content.decode()
    org.refresh_from_db()
    assert (org.status, org.attempts, org.error) == ("provisioning", 0, "")
    assert AuditEvent.objects.filter(target_id=org.pk, details__via="admin").exists()


def test_deprovisioning_confirms_then_stops_billing_at_once(admin_client, ready_org):
    now = timezone.now()
    Subscription.objects.create(
        org=ready_org, plan="standard", current_period_start=now, current_period_end=now
    )
    page = admin_client.get(f"/admin/orgs/org/{ready_org.pk}/change/").content.decode()
    assert "active" in page  # the subscription, shown on the org's page
    assert not has_link(page, "Retry provisioning")
    url = link(page, "Deprovision")
    assert "Deprovisioning is one-way" in admin_client.get(url).content.decode()

    done = admin_client.post(url, follow=True)

    assert "Org acme-prod is being deprovisioned" in done.content.decode()
    ready_org.refresh_from_db()
    assert ready_org.status == "deleting"
    assert Subscription.objects.get(org=ready_org).status == "canceled"


def test_an_org_action_that_no_longer_applies_is_a_message(admin_client, ready_org):
    response = admin_client.post(f"/admin/orgs/org/{ready_org.pk}/retry/", follow=True)

    assert "Nothing to do: org acme-prod is ready." in response.content.decode()
    ready_org.refresh_from_db()
    assert ready_org.status == "ready"


def test_a_service_refusal_is_shown_as_a_message(admin_client, partner, monkeypatch):
    from orgs import services

    org = failed_org(partner)

    def refuse(**kwargs: object) -> None:  # another operator won the race
        raise services.NotRetryable("Org is provisioning; only failed orgs can be retried.")

    monkeypatch.setattr(services, "org_retry", refuse)
    response = admin_client.post(f"/admin/orgs/org/{org.pk}/retry/", follow=True)

    assert response.status_code == 200
    assert "only failed orgs can be retried" in response.content.decode()


def test_org_actions_need_the_change_org_permission(client, staff_user, ready_org):
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(Permission.objects.get(codename="view_org"))
    client.force_login(staff_user)

    page = client.get(f"/admin/orgs/org/{ready_org.pk}/change/").content.decode()
    assert not has_link(page, "Deprovision")
    assert client.post(f"/admin/orgs/org/{ready_org.pk}/deprovision/").status_code == 403
    ready_org.refresh_from_db()
    assert ready_org.status == "ready"
