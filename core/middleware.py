"""Request ids on every response, JSON (never HTML) errors under /cp/, and one transaction a call.

The audit trail is written through `CP_CALL_RECORDER` (a dotted path; `audit.recording.record_call`)
so the platform calls the audit app without importing it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from core import durability, idempotency, throttling
from core.context import bound, call_context
from core.credentials import credential_of
from core.errors import DomainError, domain_error_response, plain_error_response
from core.ids import new_id
from core.models import IdempotencyRecord

logger = logging.getLogger("cp.errors")

CP_PREFIX = "/cp/"

Recorder = Callable[[HttpRequest, HttpResponse], object]


@cache
def _recorder() -> Recorder:
    return import_string(settings.CP_CALL_RECORDER)


def record_call(request: HttpRequest, response: HttpResponse) -> None:
    """Write the call's audit event in whatever transaction is open."""
    _recorder()(request, response)


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
            record_call(request, refused)  # refused before CPCallMiddleware: audit it here
            return refused
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            return self._as_envelope(request, response)
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
        """Bodies over the limit (413), and NUL bytes in the URL, which no database column holds."""
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
        except DatabaseError:  # failed at COMMIT (deferred constraint, serialization): a 500
            logger.exception(
                "Commit failed in %s %s (%s)",
                request.method,
                request.path,
                call_context(request).request_id,
            )
            response = plain_error_response(request, 500)
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
