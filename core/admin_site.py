"""The account team's console: the Django admin site, named and grouped for the people who use it.

`ControlPlaneAdminConfig` replaces `django.contrib.admin` in INSTALLED_APPS, so `admin.site` is a
`ControlPlaneAdminSite` everywhere (every `@admin.register` lands on it). It names no app's code,
only app labels and model names, so `core` still imports no domain app.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

# The index, top to bottom: (heading, [(app label, model name, label or None)]). Models of apps
# not named here follow in Django's order; HIDDEN_APPS stay reachable by URL but off the index.
SECTIONS: list[tuple[str, list[tuple[str, str, str | None]]]] = [
    ("Partners and keys", [("partners", "partner", None), ("partners", "partnerkey", None)]),
    (
        "Orgs",
        [("orgs", "org", None), ("orgs", "workspace", None), ("orgs", "subscription", None)],
    ),
    (
        "Webhooks",
        [
            ("webhooks", "webhookendpoint", None),
            ("webhooks", "event", None),
            ("webhooks", "delivery", None),
        ],
    ),
    (
        "Audit",
        [("audit", "auditevent", "Audit events"), ("auditlog", "logentry", "Field history")],
    ),
    ("Staff accounts", [("auth", "user", None), ("auth", "group", None)]),
]
# django-tasks-db's task results: the worker's bookkeeping (ops read it with `list_orgs --stuck`).
HIDDEN_APPS = frozenset({"django_tasks_database"})


class ControlPlaneAdminSite(admin.AdminSite):
    site_header = "Molecule control plane"
    site_title = "Molecule control plane"
    index_title = "Account team console"
    site_url = None  # there is no public site to "view": the link would be a 404
    # The sidebar repeats the index and takes 300 px from every list: at 1280 px the key list's
    # last columns fell off. The breadcrumbs and the header link lead back to the index.
    enable_nav_sidebar = False

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        """The index and the sidebar in SECTIONS' order (an app's own page is as Django has it)."""
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        return regroup(apps)


def regroup(apps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Django's app list rearranged into SECTIONS; `apps` holds only models the user may see."""
    models = {
        (app["app_label"], model["object_name"].lower()): (app, model)
        for app in apps
        for model in app["models"]
    }
    sections = []
    for heading, entries in SECTIONS:
        found = [
            (models.pop((app, name)), label)
            for app, name, label in entries
            if (app, name) in models
        ]
        if found:
            (first_app, _), _ = found[0]
            shown = [{**model, "name": label or model["name"]} for (_, model), label in found]
            sections.append({**first_app, "name": heading, "models": shown})
    for app in apps:
        rest = [m for m in app["models"] if (app["app_label"], m["object_name"].lower()) in models]
        if rest and app["app_label"] not in HIDDEN_APPS:
            sections.append({**app, "models": rest})
    return sections


class ControlPlaneAdminConfig(AdminConfig):
    default_site = "core.admin_site.ControlPlaneAdminSite"
