"""Who may call what: the master key, any authenticated principal, or one with a scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission

from core.credentials import credential_of
from core.errors import InsufficientScope

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class IsMasterKey(BasePermission):
    """Only the admin master key."""

    message = "This endpoint needs the admin master key."

    def has_permission(self, request: Request, view: APIView) -> bool:
        principal = credential_of(request).principal
        return principal is not None and principal.is_master


class IsAuthenticatedPrincipal(BasePermission):
    """The master key or any valid partner key; the view narrows what a partner key sees."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return credential_of(request).principal is not None


class HasScope(BasePermission):
    """The view's `required_scopes[action]`: any one of the listed scopes will do.

    A missing scope is `403 insufficient_scope` naming the (first) scope that would grant the call.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        principal = credential_of(request).principal
        if principal is None:
            return False
        scopes: dict[str, tuple[str, ...]] = getattr(view, "required_scopes", {})
        needed = scopes.get(getattr(view, "action", None) or request.method or "", ())
        if not needed or any(principal.has_scope(scope) for scope in needed):
            return True
        raise InsufficientScope(needed[0])
