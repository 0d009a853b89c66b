"""A slug is free again once its org is deleted; external ids are unique per manager."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0004_backfill_managed_by_and_started_at'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='org',
            name='org_slug_unique_ci',
        ),
        migrations.AddConstraint(
            model_name='org',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('slug'), condition=models.Q(('status', 'deleted'), _negated=True), name='org_slug_unique_ci'),
        ),
        migrations.AddConstraint(
            model_name='org',
            constraint=models.UniqueConstraint(condition=models.Q(models.Q(('status', 'deleted'), _negated=True), models.Q(('external_id', ''), _negated=True)), fields=('managed_by', 'external_id'), name='org_external_id_unique'),
        ),
    ]
