"""The "Account team" reads partners' webhook endpoints, events and deliveries (and redelivers)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Account team"
CODENAMES = ["view_webhookendpoint", "view_event", "view_delivery"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("webhooks")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.get(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="webhooks", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="webhooks", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0004_account_team_group"),
        ("webhooks", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
