"""An org page's two writes, each behind a confirmation: retry provisioning, and deprovision.

Both call the services the API and the ops commands use (`org_retry`, `org_deprovision`); a
refusal (`DomainError`) is shown as a message. They need `orgs.change_org` (the Account team has
it); the org's fields themselves stay read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from core.errors import DomainError
from orgs import services
from orgs.models import Org

# action → (who may see the button: statuses, the page's wording)
LIFECYCLE_ACTIONS: dict[str, dict[str, Any]] = {
    "retry": {
        "statuses": {Org.Status.FAILED},
        "title": "Retry provisioning of {org}",
        "button": "Yes, retry provisioning",
        "done": "Org {org} is provisioning again; the worker picks it up within seconds.",
    },
    "deprovision": {
        "statuses": {Org.Status.PROVISIONING, Org.Status.READY, Org.Status.FAILED},
        "title": "Deprovision {org}",
        "button": "Yes, deprovision",
        "done": "Org {org} is being deprovisioned: billing stopped, the worker deletes the rest.",
    },
}


def _run(action: str, org: Org) -> Org:
    if action == "retry":
        return services.org_retry(org=org)
    return services.org_deprovision(org=org)


class OrgLifecycleActions(admin.ModelAdmin):
    """Adds /retry/ and /deprovision/ to an org's admin URLs, and their buttons to its page."""

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                f"<path:object_id>/{action}/",
                self.admin_site.admin_view(self._view_for(action)),
                name=f"{name}_{action}",
            )
            for action in LIFECYCLE_ACTIONS
        ] + super().get_urls()

    def has_lifecycle_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.change_org")

    def lifecycle_actions_for(self, request: HttpRequest, org: Org) -> list[str]:
        """The actions whose buttons this user sees on this org's page."""
        if not self.has_lifecycle_permission(request):
            return []
        return [a for a, spec in LIFECYCLE_ACTIONS.items() if org.status in spec["statuses"]]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        org = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        extra["lifecycle_actions"] = self.lifecycle_actions_for(request, org) if org else []
        return super().change_view(request, object_id, form_url, extra)

    def _view_for(self, action: str) -> Callable[..., HttpResponse]:
        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            return self.lifecycle_view(request, object_id, action)

        return view

    def lifecycle_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        org = self.get_object(request, unquote(object_id))
        if org is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]  # Django's own (private)
        if not self.has_lifecycle_permission(request):
            raise PermissionDenied
        spec = LIFECYCLE_ACTIONS[action]
        page = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[quote(org.pk)]
        )
        if org.status not in spec["statuses"]:
            self.message_user(
                request, f"Nothing to do: org {org.slug} is {org.status}.", messages.WARNING
            )
            return HttpResponseRedirect(page)
        if request.method == "POST":
            try:
                done = _run(action, org)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.log_change(request, done, f"{action.capitalize()} from the admin.")
                self.message_user(request, spec["done"].format(org=done.slug), messages.SUCCESS)
            return HttpResponseRedirect(page)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": spec["title"].format(org=org.slug),
            "org": org,
            "action": action,
            "button": spec["button"],
            "cancel_url": page,
        }
        return TemplateResponse(request, "admin/orgs/org/lifecycle_confirmation.html", context)
