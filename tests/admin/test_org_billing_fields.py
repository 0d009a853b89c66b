"""The org screens show and filter seats, billing channel and sandbox, and search external ids."""

from __future__ import annotations

from orgs.models import Org


def test_orgs_are_filtered_by_channel_sandbox_and_seats(admin_client, partner):
    Org.objects.create(
        name="Market",
        slug="market-org",
        plan="standard",
        seats=40,
        billing_channel="aws_marketplace",
    )
    Org.objects.create(name="CI", slug="ci-sandbox", plan="standard", sandbox=True)
    Org.objects.create(name="Solo", slug="solo-org", plan="standard", external_id="crm-77")

    page = admin_client.get("/admin/orgs/org/").content.decode()
    assert "aws_marketplace" in page and "AWS Marketplace" in page

    def listed(query: str) -> set[str]:
        html = admin_client.get(f"/admin/orgs/org/?{query}").content.decode()
        return {slug for slug in ("market-org", "ci-sandbox", "solo-org") if slug in html}

    assert listed("billing_channel__exact=aws_marketplace") == {"market-org"}
    assert listed("billing_channel__exact=direct") == {"ci-sandbox", "solo-org"}
    assert listed("sandbox__exact=1") == {"ci-sandbox"}
    assert listed("sandbox__exact=0") == {"market-org", "solo-org"}
    assert listed("seats=11-100") == {"market-org"}
    assert listed("seats=1") == {"ci-sandbox", "solo-org"}
    assert listed("q=crm-77") == {"solo-org"}


def test_an_orgs_page_shows_its_marketplace_fields_read_only(admin_client, partner):
    org = Org.objects.create(
        name="Market",
        slug="market-org",
        plan="standard",
        partner=partner,
        seats=12,
        billing_channel="gcp_marketplace",
        branding={"display_name": "Market AI"},
        metadata={"gcp_account": "acct-9"},
    )
    page = admin_client.get(f"/admin/orgs/org/{org.pk}/change/").content.decode()
    for text in ("Google Cloud Marketplace", "Market AI", "acct-9", partner.pk, "12"):
        assert text in page
    assert 'name="seats"' not in page
