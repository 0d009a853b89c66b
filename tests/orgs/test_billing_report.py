"""`manage.py billing_report`: billable orgs of a period as CSV; sandbox and deleted-before out."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from orgs.models import Org, Subscription

SINCE, UNTIL = "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"


def at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC)


def report(*args: str) -> tuple[list[dict[str, str]], str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("billing_report", *args, stdout=out, stderr=err)
    return list(csv.DictReader(io.StringIO(out.getvalue()))), err.getvalue()


@pytest.fixture
def billed(make_org):
    """make_org, then its subscription's start (and cancel) moved to the given days."""

    def make(started: datetime, canceled: datetime | None = None, **fields) -> Org:
        org = make_org(**fields)
        status = Subscription.Status.CANCELED if canceled else None
        Subscription.objects.filter(org=org).update(
            started_at=started,
            canceled_at=canceled,
            **({"status": status} if status else {}),
        )
        if canceled:
            Org.objects.filter(pk=org.pk).update(status="deleted", deleted_at=canceled)
        return org

    return make


@pytest.mark.django_db
def test_the_report_lists_billable_orgs_with_seats_and_leaves_sandbox_and_deleted_out(
    billed, partner, other_partner
):
    whole = billed(
        at(15, 10), partner=partner, slug="whole", seats=10, billing_channel="aws_marketplace"
    )
    billed(at(1, 9), canceled=at(20, 10), partner=partner, slug="deleted-before")
    billed(at(1, 10), canceled=at(1, 11), partner=partner, slug="deleted-at-start")
    part = billed(at(10), canceled=at(20), partner=partner, slug="deleted-during", seats=3)
    billed(at(5), partner=partner, slug="sandbox", sandbox=True, seats=50)
    billed(at(5, 12), partner=partner, slug="later")
    globex = billed(at(1), partner=other_partner, slug="globex-org", external_id="=cmd()")
    loner = billed(at(30), slug="partner-less", plan="enterprise", billing_channel="direct")

    rows, err = report("--since", SINCE, "--until", UNTIL)

    acme_rows = [slug for _, slug in sorted([(whole.pk, "whole"), (part.pk, "deleted-during")])]
    assert [row["slug"] for row in rows] == ["partner-less", *acme_rows, "globex-org"]
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["whole"] == {
        "partner": "acme",
        "org_id": whole.pk,
        "slug": "whole",
        "external_id": "",
        "plan": "standard",
        "seats": "10",
        "channel": "aws_marketplace",
        "status": "active",
        "billable_from": "2026-11-01T00:00:00+00:00",
        "billable_until": "2026-12-01T00:00:00+00:00",
        "billable_days": "30.00",
    }
    during = by_slug["deleted-during"]
    assert (during["org_id"], during["status"], during["seats"]) == (part.pk, "canceled", "3")
    assert (during["billable_from"], during["billable_until"], during["billable_days"]) == (
        "2026-11-10T00:00:00+00:00",
        "2026-11-20T00:00:00+00:00",
        "10.00",
    )
    assert by_slug["globex-org"]["partner"] == "globex"
    assert by_slug["globex-org"]["org_id"] == globex.pk
    assert by_slug["globex-org"]["external_id"] == "'=cmd()"  # never a spreadsheet formula
    assert (by_slug["partner-less"]["partner"], by_slug["partner-less"]["org_id"]) == ("", loner.pk)
    assert by_slug["partner-less"]["billable_days"] == "1.00"
    assert "4 billable org(s), 15 seat(s) from 2026-11-01T00:00:00+00:00" in err


@pytest.mark.django_db
def test_the_report_is_sorted_by_partner_then_org(billed, partner, other_partner):
    ids = [billed(at(1), partner=p).pk for p in (other_partner, partner, None, partner)]
    rows, _ = report("--since", SINCE, "--until", UNTIL)
    assert [row["org_id"] for row in rows] == [ids[2], *sorted([ids[1], ids[3]]), ids[0]]


@pytest.mark.django_db
def test_the_report_of_one_partner_to_a_file(billed, partner, other_partner, tmp_path):
    mine = billed(at(2), partner=partner)
    billed(at(2), partner=other_partner)
    target = tmp_path / "acme.csv"
    out, err = io.StringIO(), io.StringIO()
    args = ["--since", SINCE, "--until", UNTIL, "--partner", "acme", "--output", str(target)]
    call_command("billing_report", *args, stdout=out, stderr=err)
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [row["org_id"] for row in rows] == [mine.pk]
    assert out.getvalue() == ""
    assert "1 billable org(s), 1 seat(s)" in err.getvalue() and str(target) in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_by_default_the_report_covers_this_month_as_the_api_made_it(
    partner, make_key, as_key, worker
):
    _, token = make_key(partner=partner)
    client = as_key(token)
    body = {"name": "Acme", "plan": "standard", "billing_channel": "gcp_marketplace"}
    paying = client.post("/cp/orgs", {**body, "slug": "paying", "seats": 7}).json()["id"]
    gone = client.post("/cp/orgs", {**body, "slug": "gone"}).json()["id"]
    client.post("/cp/orgs", {**body, "slug": "ci-sandbox", "sandbox": True, "ttl_seconds": 600})
    client.post("/cp/orgs", {**body, "slug": "stuck"})  # never provisioned: no subscription
    worker()
    Org.objects.filter(slug="stuck").update(status="provisioning")
    Subscription.objects.filter(org__slug="stuck").delete()
    client.patch(f"/cp/orgs/{paying}", {"seats": 9, "plan": "enterprise"})
    client.delete(f"/cp/orgs/{gone}")
    worker()

    rows, err = report()

    assert sorted((row["org_id"], row["status"]) for row in rows) == sorted(
        [(paying, "active"), (gone, "canceled")]
    )
    paying_row = next(row for row in rows if row["org_id"] == paying)
    assert (paying_row["plan"], paying_row["seats"], paying_row["channel"]) == (
        "enterprise",
        "9",
        "gcp_marketplace",
    )
    month = timezone.now().astimezone(UTC).strftime("%Y-%m-01T00:00:00+00:00")
    assert f"from {month}" in err


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last tuesday"], "--since must be an ISO-8601"),
        (["--until", "2026-13-01"], "--until must be an ISO-8601"),
        (["--since", UNTIL, "--until", SINCE], "--until must be after --since"),
        (["--since", SINCE, "--until", SINCE], "--until must be after --since"),
        (["--partner", "nope"], "No partner 'nope'"),
        (["--output", "/nonexistent/dir/x.csv"], "Cannot write"),
    ],
)
def test_bad_input_is_a_clear_command_error(args, message):
    with pytest.raises(CommandError, match=message):
        report(*args)
