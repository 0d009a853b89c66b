"""The "Account team" group: exactly what the account team's console needs, nothing more.

They view partners, keys, orgs (with workspaces and subscriptions) and the audit trail; create and
change partners; issue (add) and change keys, rotate them (add + change) and revoke them (the
custom permission); retry or deprovision orgs (`orgs.change_org`). No delete, no staff accounts.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Account team"
PERMISSIONS = {
    "partners": [
        "view_partner",
        "add_partner",
        "change_partner",
        "view_partnerkey",
        "add_partnerkey",
        "change_partnerkey",
        "revoke_partnerkey",
    ],
    "orgs": ["view_org", "change_org", "view_workspace", "view_subscription"],
    "audit": ["view_auditevent"],
    "auditlog": ["view_logentry"],
}


def create_group(apps, schema_editor):
    # Permissions are normally created after `migrate` finishes; on a fresh database they do not
    # exist yet, so create those of the apps involved now (it skips the ones that exist).
    for label in PERMISSIONS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = [
        Permission.objects.get(content_type__app_label=label, codename=codename)
        for label, codenames in PERMISSIONS.items()
        for codename in codenames
    ]
    group.permissions.set(wanted)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("partners", "0003_partnerkey_revoke_permission"),
        ("orgs", "0001_initial"),
        ("audit", "0001_initial"),
        ("auditlog", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
