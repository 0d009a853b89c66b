"""Request ids on every response, JSON (never HTML) errors under /cp/, and one transaction a call.

The audit trail is written through `CP_CALL_RECORDER` (a dotted path; `audit.recording.record_call`)
so the platform calls the audit app without importing it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from core import database, durability, idempotency, throttling
from core.clientip import client_ip
from core.context import bound, call_context
from core.credentials import credential_of
from core.errors import DomainError, domain_error_response, plain_error_response
from core.ids import new_id
from core.models import IdempotencyRecord
from core.redaction import redact

logger = logging.getLogger("cp.errors")
unrecorded = logging.getLogger("cp.audit")

CP_PREFIX = "/cp/"

Recorder = Callable[[HttpRequest, HttpResponse], object]


@cache
def _recorder() -> Recorder:
    return import_string(settings.CP_CALL_RECORDER)


def record_call(request: HttpRequest, response: HttpResponse) -> None:
    """Write the call's audit event in whatever transaction is open."""
    _recorder()(request, response)


def record_or_log(request: HttpRequest, response: HttpResponse) -> None:
    """Write the call's audit event on its own; if the database cannot take it, log it instead.

    A call answered while the database is unreachable must not lose its trace: the event goes to
    the `cp.audit` log (ERROR) with what the platform knows of it.
    """
    if not call_context(request).database_unavailable or database.connection_survived():
        try:
            with transaction.atomic():
                record_call(request, response)
            return
        except database.UNAVAILABLE as exc:
            database.unavailable(request, exc)
    _log_unrecorded(request, response)


def _log_unrecorded(request: HttpRequest, response: HttpResponse) -> None:
    context = call_context(request)
    credential = context.credential
    event = {
        "request_id": context.request_id,
        "method": (request.method or "")[:10],
        "path": redact(request.path),
        "status": response.status_code,
        "action": context.action,
        "key_id": credential.key_id if credential else "",
        "key_hint": credential.key_hint if credential else "",
        "ip": client_ip(request),
        "user_agent": redact(request.META.get("HTTP_USER_AGENT", ""))[:300],
    }
    unrecorded.error("Audit event not written (database unavailable): %s", json.dumps(event))


def is_cp_request(request: HttpRequest) -> bool:
    return request.path.startswith(CP_PREFIX)


class RequestIdMiddleware:
    """Gives every request a `req_…` id and its call context; echoes the id as `X-Request-Id`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with bound(request, new_id("req")) as context:
            response = self.get_response(request)
        response["X-Request-Id"] = context.request_id
        return response


class CPJsonErrorsMiddleware:
    """Turns Django's own error pages under /cp/ (404, 405, 413, 500) into the JSON envelope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_cp_request(request):
            return self.get_response(request)
        refused = self._refuse_unreadable(request)
        if refused:
            record_or_log(request, refused)  # refused before CPCallMiddleware: audit it here
            return refused
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            response = self._as_envelope(request, response)
        _allow_without_options(response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_cp_request(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return plain_error_response(request, 413)
        logger.error(
            "Unhandled error in %s %s (%s)",
            request.method,
            request.path,
            call_context(request).request_id,
            exc_info=exception,
        )
        return plain_error_response(request, 500)

    def _refuse_unreadable(self, request: HttpRequest) -> HttpResponse | None:
        """A Host we do not serve, NUL bytes in the URL (no column holds one), too large a body.

        The Host check is Django's own (`get_host`, which CommonMiddleware would make later, past
        the audit): here the refusal is audited, and the bad Host is used nowhere.
        """
        try:
            request.get_host()
        except DisallowedHost:
            context = call_context(request)
            context.annotate(reason="disallowed_host")
            logger.warning("Refused %s: its Host is not in ALLOWED_HOSTS", context.request_id)
            return plain_error_response(request, 400)
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return plain_error_response(request, 400)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return plain_error_response(request, 400)
        if length > settings.CP_MAX_BODY_BYTES:
            return plain_error_response(request, 413)
        return None

    def _as_envelope(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        new = plain_error_response(request, response.status_code)
        if response.has_header("Allow"):
            new["Allow"] = response["Allow"]
        return new


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _allow_without_options(response: HttpResponse) -> None:
    """DRF lists OPTIONS in every `Allow`, but /cp/ answers OPTIONS 405 (no introspection)."""
    if response.has_header("Allow"):
        methods = [m.strip() for m in response["Allow"].split(",")]
        response["Allow"] = ", ".join(m for m in methods if m and m != "OPTIONS")


class CPCallMiddleware:
    """One /cp/ call, one transaction: the change, its audit event and its idempotent response.

    A call that fails (status >= 400) is rolled back whole, then its audit event is written on its
    own, so a failure leaves its trace but no half-made change and no event claiming success.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_cp_request(request):
            return self.get_response(request)
        try:
            return self._call(request)
        except database.UNAVAILABLE as exc:  # anywhere in the call: its transaction rolled back
            response = domain_error_response(request, database.unavailable(request, exc))
            record_or_log(request, response)
            return response

    def _call(self, request: HttpRequest) -> HttpResponse:
        claimed: idempotency.Claim | None = None
        principal = credential_of(request).principal if idempotency.wanted(request) else None
        if principal is not None:  # a caller that cannot authenticate gets its 401, no replay
            try:
                refusal = throttling.charge(request)  # replays and conflicts count too
                if refusal is not None:
                    raise refusal
                outcome = idempotency.claim(request, principal)
            except DomainError as exc:
                return self._finish(request, domain_error_response(request, exc))
            if isinstance(outcome, IdempotencyRecord):
                call_context(request).annotate(replayed=True)
                return self._finish(request, idempotency.replay(outcome))
            claimed = outcome
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code < 400:
                    return self._finish(request, response, claimed)
                transaction.set_rollback(True)
        except database.UNAVAILABLE:
            raise
        except DatabaseError:  # failed at COMMIT (a deferred constraint): a 500
            logger.exception(
                "Commit failed in %s %s (%s)",
                request.method,
                request.path,
                call_context(request).request_id,
            )
            response = plain_error_response(request, 500)
        if call_context(request).database_unavailable and not database.connection_survived():
            record_or_log(request, response)  # the view's 503: no connection left to settle with
            return response
        with transaction.atomic():
            return self._finish(request, response, claimed)

    @staticmethod
    def _finish(
        request: HttpRequest, response: HttpResponse, claimed: idempotency.Claim | None = None
    ) -> HttpResponse:
        with durability.commit_of(request):
            record_call(request, response)
        if claimed is not None:
            idempotency.settle(claimed, response)
        return response
