"""Ops commands: list_orgs, retry_org, deprovision_org."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from orgs.models import Org, Subscription

transactional = pytest.mark.django_db(transaction=True)


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_list_orgs_filters_by_status_and_partner(make_org, partner, other_partner):
    ready = make_org(partner=partner, slug="acme-ready")
    failed = make_org(partner=partner, slug="acme-failed", status="failed", error="No capacity.")
    make_org(partner=other_partner, slug="globex-ready")

    everything = run("list_orgs")
    assert "3 org(s) matched; 3 shown." in everything
    only_failed = run("list_orgs", "--status", "failed")
    assert failed.pk in only_failed and "No capacity." in only_failed
    assert ready.pk not in only_failed
    acme = run("list_orgs", "--partner", "acme")
    assert "2 org(s) matched" in acme and "globex-ready" not in acme
    assert "1 org(s) matched; 1 shown." in run("list_orgs", "--limit", "1", "--slug", "globex")


@pytest.mark.django_db
def test_list_orgs_refuses_an_unknown_partner():
    with pytest.raises(CommandError, match="No partner 'nope'"):
        run("list_orgs", "--partner", "nope")


@transactional
def test_retry_org_requeues_a_failed_org_which_then_gets_ready(make_org, worker):
    org = make_org(status="failed", error="No capacity.", attempts=5)
    output = run("retry_org", org.pk)
    assert f"Re-queued provisioning of {org.pk}" in output
    org.refresh_from_db()
    assert (org.status, org.attempts, org.error) == ("provisioning", 0, "")
    worker()
    org.refresh_from_db()
    assert org.status == "ready"


@pytest.mark.django_db
def test_retry_org_refuses_an_org_that_is_not_failed_and_an_unknown_id(make_org):
    org = make_org()
    with pytest.raises(CommandError, match="only failed orgs can be retried"):
        run("retry_org", org.pk)
    with pytest.raises(CommandError, match="No org 'org_missing'"):
        run("retry_org", "org_missing")
    assert Org.objects.get(pk=org.pk).status == "ready"


@transactional
def test_deprovision_org_deletes_like_the_api_and_is_idempotent(make_org, worker):
    org = make_org()
    assert "Deprovisioning" in run("deprovision_org", org.pk)
    assert Subscription.objects.get(org=org).status == "canceled"
    worker()
    assert Org.objects.get(pk=org.pk).status == "deleted"
    assert "already deleted" in run("deprovision_org", org.pk)
    with pytest.raises(CommandError, match="No org"):
        run("deprovision_org", "org_missing")


@transactional
def test_deprovision_org_restarts_a_parked_deprovisioning(make_org, worker):
    org = make_org(status="deleting", attempts=5, error="No capacity.")
    run("deprovision_org", org.pk)
    worker()
    org.refresh_from_db()
    assert (org.status, org.error) == ("deleted", "")
