"""Migrations 0003 to 0005 on existing data: managers back-filled, duplicates stop with a list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from orgs.models import Org, Subscription

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("orgs", "0002_initial"), ("partners", "0002_partnerkey_family_id")]
AFTER = [("orgs", "0005_slug_and_external_id_constraints")]
START = datetime(2026, 10, 3, tzinfo=UTC)


def migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    """The schema as it was before this change; the latest one is restored afterwards."""
    apps = migrate(BEFORE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _old_orgs(apps, **external_ids: str) -> dict[str, str]:
    Partner = apps.get_model("partners", "Partner")
    PartnerKey = apps.get_model("partners", "PartnerKey")
    OldOrg = apps.get_model("orgs", "Org")
    partner = Partner.objects.create(id="prt_1", name="Acme", slug="acme")
    key = PartnerKey.objects.create(
        id="pak_2", name="ci", key_hash="a" * 64, hint="h", family_id="pak_1"
    )
    made = {
        "partner": OldOrg.objects.create(
            id="org_1", name="a", slug="a-org", plan="standard", partner=partner,
            external_id=external_ids.get("partner", "x"),
        ),
        "key": OldOrg.objects.create(
            id="org_2", name="b", slug="b-org", plan="standard", created_by_key=key,
            external_id=external_ids.get("key", "x"),
        ),
        "master": OldOrg.objects.create(
            id="org_3", name="c", slug="c-org", plan="standard",
            external_id=external_ids.get("master", "x"),
        ),
    }  # fmt: skip
    apps.get_model("orgs", "Subscription").objects.create(
        org=made["partner"], plan="standard", current_period_start=START, current_period_end=START
    )
    return {name: org.pk for name, org in made.items()}


def test_existing_orgs_get_their_manager_and_subscriptions_their_start(old_apps):
    ids = _old_orgs(old_apps)
    migrate(AFTER)
    managers = dict(Org.objects.values_list("id", "managed_by"))
    assert managers == {ids["partner"]: "prt_1", ids["key"]: "pak_1", ids["master"]: "master"}
    assert Org.objects.get(pk=ids["partner"]).seats == 1
    subscription = Subscription.objects.get(org_id=ids["partner"])
    assert (subscription.started_at, subscription.seats) == (START, 1)


def test_duplicate_external_ids_of_one_partner_stop_the_migration_naming_them(old_apps):
    OldOrg = old_apps.get_model("orgs", "Org")
    _old_orgs(old_apps, partner="dup")
    OldOrg.objects.create(
        id="org_4", name="d", slug="d-org", plan="standard", partner_id="prt_1", external_id="dup"
    )
    OldOrg.objects.create(
        id="org_5", name="e", slug="e-org", plan="standard", partner_id="prt_1",
        external_id="dup", status="deleted",
    )  # fmt: skip
    with pytest.raises(RuntimeError, match=r"prt_1 'dup': org_1, org_4\)"):
        migrate(AFTER)
    assert not Org.objects.filter(managed_by="prt_1").exists()  # rolled back, nothing half-done
    OldOrg.objects.filter(pk="org_4").delete()
    migrate(AFTER)
    assert Org.objects.get(pk="org_5").managed_by == "prt_1"
