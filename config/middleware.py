"""Request ids on every response, and JSON (never HTML) errors for everything under /cp/."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse

from audit.context import annotate, bind_request_id, unbind_request_id
from audit.history import request_context
from audit.recording import record_call
from config.errors import error_response
from config.ids import new_id
from partners import idempotency

logger = logging.getLogger("cp.errors")

CP_PREFIX = "/cp/"

# Status codes Django (not DRF) may answer under /cp/, mapped to our error codes.
_PLAIN_ERRORS = {
    400: ("bad_request", "The request could not be understood."),
    403: ("forbidden", "This request is not allowed."),
    404: ("not_found", "No such endpoint or resource."),
    405: ("method_not_allowed", "This method is not allowed on this endpoint."),
    413: ("payload_too_large", "The request body is larger than this API accepts."),
    500: ("internal_error", "Something went wrong on our side."),
}


def is_cp_request(request: HttpRequest) -> bool:
    return request.path.startswith(CP_PREFIX)


class RequestIdMiddleware:
    """Gives every request a `req_…` id and echoes it as `X-Request-Id`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = new_id("req")
        with request_context(request):  # the request id is auditlog's cid, for admin changes too
            response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
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
            return self._envelope(request, 413)
        logger.error(
            "Unhandled error in %s %s (%s)",
            request.method,
            request.path,
            getattr(request, "request_id", None),
            exc_info=exception,
        )
        return self._envelope(request, 500)

    def _refuse_unreadable(self, request: HttpRequest) -> HttpResponse | None:
        """Bodies over the limit (413), and NUL bytes in the URL, which no database column holds."""
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return self._envelope(request, 400)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._envelope(request, 400)
        if length > settings.CP_MAX_BODY_BYTES:
            return self._envelope(request, 413)
        return None

    def _as_envelope(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        status = response.status_code if response.status_code < 500 else 500
        new = self._envelope(request, status)
        if response.has_header("Allow"):
            new["Allow"] = response["Allow"]
        return new

    @staticmethod
    def _envelope(request: HttpRequest, status: int) -> HttpResponse:
        code, message = _PLAIN_ERRORS.get(status, ("error", "The request failed."))
        return error_response(request, status, code, message)


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
        token = bind_request_id(request.request_id)
        try:
            return self._handle(request)
        finally:
            unbind_request_id(token)

    def _handle(self, request: HttpRequest) -> HttpResponse:
        claimed: idempotency.Claim | None = None
        if idempotency.wanted(request):
            try:
                outcome = idempotency.claim(request)
            except idempotency.IdempotencyError as exc:
                return self._finish(
                    request, error_response(request, exc.status, exc.code, exc.message)
                )
            if isinstance(outcome, idempotency.IdempotencyRecord):
                annotate(request, replayed=True)
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
                "Commit failed in %s %s (%s)", request.method, request.path, request.request_id
            )
            response = error_response(request, 500, *_PLAIN_ERRORS[500])
        with transaction.atomic():
            return self._finish(request, response, claimed)

    @staticmethod
    def _finish(
        request: HttpRequest, response: HttpResponse, claimed: idempotency.Claim | None = None
    ) -> HttpResponse:
        record_call(request, response)
        if claimed is not None:
            idempotency.settle(claimed, response)
        return response
