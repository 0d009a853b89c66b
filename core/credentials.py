"""The one credential check of a call: made once, shared by authentication, idempotency, audit.

The platform knows the shape of a principal, not what it is: the check itself is the domain's
(`CP_CREDENTIAL_CHECK`, a dotted path to `partners.authentication.check_credential`). Whoever needs
the answer first makes the check (idempotency runs before DRF authenticates); everyone after reads
it from the call context.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string
from rest_framework.exceptions import NotAuthenticated

from core.context import call_context, django_request

if TYPE_CHECKING:
    from collections.abc import Callable

    from core.ratelimit import RateLimit


class Principal(Protocol):
    """Who a call acts as: a partner key or the admin master key."""

    @property
    def id(self) -> str | None: ...

    @property
    def partner_id(self) -> str | None: ...

    @property
    def org_id(self) -> str | None: ...

    @property
    def is_master(self) -> bool: ...

    @property
    def actor_label(self) -> str: ...

    def has_scope(self, scope: str) -> bool: ...

    def budget(self) -> RateLimit | None:
        """The budget this principal spends; None when it is not limited."""
        ...


# The challenge of every /cp/ 401 (the contract's `WWW-Authenticate`).
CHALLENGE = 'Bearer realm="cp"'

ANONYMOUS = "anonymous"
PARTNER_KEY = "partner_key"
MASTER_KEY = "master_key"


@dataclass(frozen=True)
class Credential:
    """What the call's bearer token proves: a principal, or why it proves nothing.

    `key_id`, `key_hint` and `partner_id` name the key for the audit trail even when it was refused
    (a revoked key names itself, an unknown one only its hint).
    """

    presented: bool
    principal: Principal | None = None
    failure: str = ""
    key_id: str = ""
    key_hint: str = ""
    partner_id: str = ""

    @property
    def actor_type(self) -> str:
        if self.principal is not None and self.principal.is_master:
            return MASTER_KEY
        return PARTNER_KEY if self.key_id else ANONYMOUS


NO_CREDENTIAL = Credential(presented=False)


def bearer_token(request: Any) -> str | None:
    """The token of an `Authorization: Bearer …` header (scheme case-insensitive), or None."""
    header = django_request(request).META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


@cache
def _check() -> Callable[[HttpRequest, str], Credential]:
    return import_string(settings.CP_CREDENTIAL_CHECK)


def principal_of(request: Any) -> Principal:
    """The principal of a call that passed authentication (views and permissions run after it)."""
    principal = credential_of(request).principal
    if principal is None:
        raise NotAuthenticated()
    return principal


def credential_of(request: Any) -> Credential:
    """This call's credential, checked on first use and remembered for the rest of the call."""
    context = call_context(request)
    if context.credential is None:
        token = bearer_token(request)
        context.credential = (
            NO_CREDENTIAL if token is None else _check()(django_request(request), token)
        )
    return context.credential
