"""The key pages that write: issue, rotate, revoke (one key or many), and the key search.

A key's plaintext exists in exactly one HTTP response (the reveal page rendered in answer to the
POST that issued or rotated it); it is never put in the session, a message or a redirect. A key
pasted into the search is posted, hashed and forgotten: the page it leads to names the key by id.
Every service error (`DomainError`) becomes a message on the key's page, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from core import tokens
from core.errors import DomainError
from partners import services
from partners.admin.display import admin_actor, key_change_url, short_datetime
from partners.forms import (
    PartnerKeyIssueForm,
    PartnerKeyRotateForm,
    form_token_new,
    form_token_spend,
)
from partners.models import ROTATABLE_STATES, KeyState, PartnerKey

TEMPLATES = "admin/partners/partnerkey"
NO_GRACE_NEEDS_REVOKE = (
    "Rotating with no grace revokes the old key at once, which needs the permission to revoke "
    "keys: give it some grace, or ask a colleague who may revoke."
)


class PartnerKeyViews(admin.ModelAdmin):
    """The writing views of PartnerKeyAdmin (its list and change page are in `keys`)."""

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("search/", wrap(require_POST(self.search_view)), name=f"{name}_search"),
            path("<path:object_id>/rotate/", wrap(self.rotate_view), name=f"{name}_rotate"),
            path("<path:object_id>/revoke/", wrap(self.revoke_view), name=f"{name}_revoke"),
            *super().get_urls(),
        ]

    def has_revoke_permission(self, request: HttpRequest, obj: PartnerKey | None = None) -> bool:
        """The custom `partners.revoke_partnerkey`: revoking cuts a partner off, so it is apart."""
        return request.user.has_perm(f"{self.opts.app_label}.revoke_partnerkey")

    def has_rotate_permission(self, request: HttpRequest, obj: PartnerKey | None = None) -> bool:
        """Rotating issues a key and retires one: it takes both add and change."""
        return self.has_add_permission(request) and self.has_change_permission(request, obj)

    # --- the pieces every view shares -----------------------------------------------------------

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def _key_or_redirect(self, request: HttpRequest, object_id: str) -> PartnerKey | HttpResponse:
        """The key named in the URL: the admin quotes ids there (`pak_` is `pak_5F`)."""
        key = self.get_object(request, unquote(object_id))
        if key is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]  # Django's own (private)
        return key

    def _back_to(self, request: HttpRequest, key: PartnerKey, error: str) -> HttpResponse:
        self.message_user(request, error, messages.ERROR)
        return HttpResponseRedirect(key_change_url(key.pk))

    def _reveal(self, request: HttpRequest, issued: services.IssuedKey, **extra: Any) -> Any:
        """The one response that holds the plaintext; admin views are already `never_cache`."""
        context = self._context(
            request, "Copy the new key now", key=issued.key, plaintext=issued.plaintext, **extra
        )
        response = TemplateResponse(request, f"{TEMPLATES}/reveal.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def _already_used(self, request: HttpRequest, url: str) -> HttpResponse:
        self.message_user(
            request,
            "This form was already submitted, so nothing was issued again. A key is shown only "
            "once: if it was lost, revoke it and issue a new one.",
            messages.WARNING,
        )
        return HttpResponseRedirect(url)

    # --- issue ------------------------------------------------------------------------------------

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        """Issue a key through `partner_key_issue` and answer the POST with the reveal page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            initial = {"once": form_token_new(request), "partner": request.GET.get("partner")}
            form = PartnerKeyIssueForm(initial=initial)
        else:
            form = PartnerKeyIssueForm(request.POST)
            if form.is_valid() and form.validated is not None:
                if not form_token_spend(request, form.cleaned_data["once"]):
                    return self._already_used(request, reverse("admin:partners_partnerkey_add"))
                with transaction.atomic():
                    issued = services.partner_key_issue(
                        **form.validated, created_by=admin_actor(request)
                    )
                    self.log_addition(request, issued.key, [{"added": {}}])
                return self._reveal(request, issued, action="issued")
        context = self._context(request, "Issue a partner key", form=form)
        return TemplateResponse(request, f"{TEMPLATES}/issue_form.html", context)

    # --- rotate -----------------------------------------------------------------------------------

    def rotate_view(self, request: HttpRequest, object_id: str) -> Any:
        key = self._key_or_redirect(request, object_id)
        if isinstance(key, HttpResponse):
            return key
        if not self.has_rotate_permission(request):
            raise PermissionDenied
        state = key.state()
        if state not in ROTATABLE_STATES:
            return self._back_to(request, key, f"This key is {state.label}: it cannot be rotated.")
        if request.method != "POST":
            grace = settings.PARTNER_KEY_ROTATION_GRACE_SECONDS
            initial = {"once": form_token_new(request), "grace_seconds": grace}
            form = PartnerKeyRotateForm(initial=initial)
        else:
            form = PartnerKeyRotateForm(request.POST)
            if form.is_valid() and form.validated is not None:
                grace = form.validated["grace_seconds"]
                if grace == 0 and not self.has_revoke_permission(request, key):
                    form.add_error("grace_seconds", NO_GRACE_NEEDS_REVOKE)
                elif not form_token_spend(request, form.cleaned_data["once"]):
                    return self._already_used(request, key_change_url(key.pk))
                else:
                    return self._rotate(request, key, grace)
        context = self._context(request, f"Rotate {key}", key=key, form=form)
        return TemplateResponse(request, f"{TEMPLATES}/rotate_confirmation.html", context)

    def _rotate(self, request: HttpRequest, key: PartnerKey, grace: int) -> HttpResponse:
        try:
            with transaction.atomic():
                issued = services.partner_key_rotate(
                    key=key, grace_seconds=grace, rotated_by=admin_actor(request)
                )
                self.log_change(request, key, f"Rotated to {issued.key.pk}.")
                self.log_addition(request, issued.key, [{"added": {}}])
        except DomainError as exc:
            return self._back_to(request, key, exc.message)
        key.refresh_from_db()
        return self._reveal(request, issued, action="rotated", old=key)

    # --- revoke -----------------------------------------------------------------------------------

    def revoke_view(self, request: HttpRequest, object_id: str) -> Any:
        key = self._key_or_redirect(request, object_id)
        if isinstance(key, HttpResponse):
            return key
        if not self.has_revoke_permission(request, key):
            raise PermissionDenied
        if request.method == "POST":
            self._revoke(request, [key], with_predecessors=_wants_predecessors(request))
            return HttpResponseRedirect(key_change_url(key.pk))
        return self._revoke_confirmation(request, [key], bulk=False)

    @admin.action(description="Revoke selected keys (one-way)", permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[PartnerKey]) -> Any:
        """Asks for confirmation first, like Django's own delete action."""
        keys = list(queryset.select_related("partner", "rotated_from"))
        if request.POST.get("confirm") == "yes":
            self._revoke(request, keys, with_predecessors=_wants_predecessors(request))
            return None
        return self._revoke_confirmation(request, keys, bulk=True)

    def _revoke_confirmation(
        self, request: HttpRequest, keys: list[PartnerKey], bulk: bool
    ) -> TemplateResponse:
        """Lists the keys and, for each one that replaced a key still in its grace, that key."""
        predecessors = [
            {"key": old, "until": short_datetime(old.expires_at)}
            for old in _predecessors_in_grace(keys)
        ]
        context = self._context(
            request,
            "Revoke keys" if bulk else f"Revoke {keys[0]}",
            keys=keys,
            bulk=bulk,
            predecessors=predecessors,
        )
        return TemplateResponse(request, f"{TEMPLATES}/revoke_confirmation.html", context)

    def _revoke(
        self, request: HttpRequest, keys: list[PartnerKey], with_predecessors: bool
    ) -> None:
        ids = {key.pk for key in keys}
        if with_predecessors:
            ids |= {old.pk for old in _predecessors_in_grace(keys)}
        with transaction.atomic():
            locked = PartnerKey.objects.select_for_update().in_bulk(sorted(ids))
            already = sum(1 for key in locked.values() if key.revoked_at is not None)
            for key in locked.values():
                if key.revoked_at is None:
                    services.partner_key_revoke(key=key, revoked_by=admin_actor(request))
                    self.log_change(request, key, "Revoked.")
        revoked = len(locked) - already
        note = f" ({already} already revoked)" if already else ""
        self.message_user(request, f"Revoked {revoked} key(s){note}; they are refused from now on.")

    # --- search -----------------------------------------------------------------------------------

    def search_view(self, request: HttpRequest) -> HttpResponse:
        """The key list's search box posts here, so a pasted key never travels in a URL."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        params = request.POST.copy()
        params.pop("csrfmiddlewaretoken", None)
        return self._search_redirect(request, params)

    def _search_redirect(self, request: HttpRequest, params: QueryDict) -> HttpResponse:
        """Back to the list with `params`; a pasted key is replaced by its key's id, or by its
        hint when no key is it (the list then shows keys with that hint, if any)."""
        term = params.get(SEARCH_VAR, "").strip()
        pasted = tokens.TOKEN_LIKE.search(term)
        if pasted:
            found, _ = self.get_search_results(request, self.get_queryset(request), term)
            key = found.first()
            params[SEARCH_VAR] = key.pk if key else tokens.hint(pasted.group(0))
            self.message_user(request, *_pasted_key_message(term, key))
        params.pop(IS_POPUP_VAR, None)
        url = reverse("admin:partners_partnerkey_changelist")
        return HttpResponseRedirect(f"{url}?{params.urlencode()}" if params else url)


def _predecessors_in_grace(keys: list[PartnerKey]) -> list[PartnerKey]:
    """The keys these replaced that still work (in their grace): "revoke both" ends them."""
    olds = [key.rotated_from for key in keys if key.rotated_from is not None]
    return [old for old in olds if old.state() == KeyState.IN_GRACE]


def _wants_predecessors(request: HttpRequest) -> bool:
    return request.POST.get("predecessors") == "revoke"


def _pasted_key_message(term: str, key: PartnerKey | None) -> tuple[str, int]:
    """What the search says about a pasted key, naming it only by hint and id."""
    if key is not None:
        return (
            f"The pasted key is {key.pk} ({key.hint}), {key.state().label}. It was only hashed "
            "to find it: it is not stored or logged. If it leaked, revoke it.",
            messages.SUCCESS,
        )
    pasted = tokens.TOKEN_LIKE.search(term)
    shown = tokens.hint(pasted.group(0)) if pasted else "It"
    if not tokens.is_well_formed(term.strip()):
        return (
            f"{shown} is not a whole partner key (its checksum does not match): listed below are "
            "the keys with the same hint, if any. To be sure, copy the key again, whole, and "
            "paste it alone.",
            messages.WARNING,
        )
    return (f"No key matches {shown}: it is not one of ours.", messages.WARNING)
