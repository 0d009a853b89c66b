"""The read-mostly org screens: list, filter, search; no writes, no token hash."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from orgs.models import Org, Subscription, Workspace


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
