"""Who may call what: the master key, any authenticated principal, or one with a scope.

A call with no credential at all is refused here (401), and counted against its client IP like
any failed credential: these permissions are what makes an endpoint need one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission

from core import ratelimit
from core.credentials import Principal, credential_of
from core.errors import InsufficientScope

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


def principal_or_refusal(request: Request) -> Principal:
    """The call's principal; without one, 401 (or 429 once its IP has failed too often)."""
    principal = credential_of(request).principal
    if principal is None:
        raise ratelimit.failure_refusal(request) or NotAuthenticated()
    return principal


class IsMasterKey(BasePermission):
    """Only the admin master key."""

    message = "This endpoint needs the admin master key."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return principal_or_refusal(request).is_master


class IsAuthenticatedPrincipal(BasePermission):
    """The master key or any valid partner key; the view narrows what a partner key sees."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        principal_or_refusal(request)
        return True


class HasScope(BasePermission):
    """The view's `required_scopes[action]`: any one of the listed scopes will do.

    A missing scope is `403 insufficient_scope` naming the (first) scope that would grant the call.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        principal = principal_or_refusal(request)
        scopes: dict[str, tuple[str, ...]] = getattr(view, "required_scopes", {})
        needed = scopes.get(getattr(view, "action", None) or request.method or "", ())
        if not needed or any(principal.has_scope(scope) for scope in needed):
            return True
        raise InsufficientScope(needed[0])
