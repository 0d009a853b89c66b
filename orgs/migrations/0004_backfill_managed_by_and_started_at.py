"""Existing orgs get their manager (for external_id uniqueness); subscriptions their start.

Before external ids become unique per manager (0005), duplicates among live orgs stop the
migration with the list to resolve: they are the partner's references, not ours to rewrite.
"""

from collections import defaultdict

from django.db import migrations
from django.db.models import F


def backfill(apps, schema_editor):
    Org = apps.get_model("orgs", "Org")
    Subscription = apps.get_model("orgs", "Subscription")
    for org in Org.objects.filter(managed_by="").select_related("created_by_key"):
        if org.partner_id:
            org.managed_by = org.partner_id
        elif org.created_by_key_id:
            org.managed_by = org.created_by_key.family_id
        else:
            org.managed_by = "master"
        org.save(update_fields=["managed_by"])
    Subscription.objects.update(started_at=F("current_period_start"))
    live = Org.objects.exclude(status="deleted").exclude(external_id="")
    seen = defaultdict(list)
    for org in live.only("id", "managed_by", "external_id"):
        seen[(org.managed_by, org.external_id)].append(org.id)
    duplicates = {key: ids for key, ids in seen.items() if len(ids) > 1}
    if duplicates:
        listing = "; ".join(
            f"{manager} {external_id!r}: {', '.join(sorted(ids))}"
            for (manager, external_id), ids in sorted(duplicates.items())
        )
        raise RuntimeError(
            "External ids must be unique per partner among orgs not deleted, and these are not "
            f"({listing}). Change or clear them (or delete the orgs), then migrate again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0003_marketplace_fields'),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
