"""PartnerKey.family_id (the first key of a rotation chain), backfilled; IdempotencyRecord moves
to the `core` app (its table is renamed by core's first migration); slug and rate validators."""

import django.core.validators
from django.db import migrations, models

import partners.models


def backfill_family(apps, schema_editor):
    PartnerKey = apps.get_model("partners", "PartnerKey")
    parents = dict(PartnerKey.objects.values_list("pk", "rotated_from_id"))
    for key_id in parents:
        root = key_id
        while parents.get(root):
            root = parents[root]
        PartnerKey.objects.filter(pk=key_id).update(family_id=root)


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="partnerkey",
            name="family_id",
            field=models.CharField(default="", editable=False, max_length=40),
            preserve_default=False,
        ),
        migrations.RunPython(backfill_family, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="partnerkey",
            name="family_id",
            field=models.CharField(db_index=True, editable=False, max_length=40),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
        ),
        migrations.AlterField(
            model_name="partner",
            name="slug",
            field=models.SlugField(
                max_length=63,
                unique=True,
                validators=[
                    django.core.validators.MinLengthValidator(2),
                    django.core.validators.RegexValidator(
                        "^[a-z0-9]+(-[a-z0-9]+)*$",
                        "Lower-case letters, digits and single hyphens, not at either end.",
                    ),
                ],
            ),
        ),
        migrations.AlterField(
            model_name="partnerkey",
            name="rate_limit",
            field=models.CharField(
                blank=True, default="", max_length=32, validators=[partners.models.validate_rate]
            ),
        ),
    ]
