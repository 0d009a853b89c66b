"""Errors without HTTP, and the one table that gives each error code its HTTP status.

Services raise `DomainError` subclasses (a stable `code`, a human message); they know nothing of
HTTP. The exception handler (`core.handler`) and the middleware render every error through
`error_response`, which looks the status up in `STATUS_BY_CODE`. The admin and the commands catch
`DomainError` and show its message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, resolve

from core.context import call_context
from core.redaction import redact


class DomainError(Exception):
    """A request that breaks a rule: `code` says which (stable, snake_case), `message` says why."""

    code = "bad_request"
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.message = message or self.message
        self.fields = fields
        self.retry_after = None if retry_after is None else max(1, int(retry_after))
        super().__init__(self.message)


class InsufficientScope(DomainError):
    code = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(f"This key lacks the scope {scope!r} needed for this call.")
        self.scope = scope


class RateLimited(DomainError):
    code = "rate_limited"
    message = "Too many requests for this key; retry after the time in Retry-After."


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    message = "The service is temporarily unavailable; retry after the time in Retry-After."


# Every error code the API answers, and its status. A code missing here is a bug (a test walks
# every DomainError subclass); `error_response` would answer it as 400.
STATUS_BY_CODE: dict[str, int] = {
    "bad_request": 400,
    "validation_error": 400,
    "malformed_json": 400,
    "invalid_idempotency_key": 400,
    "unauthenticated": 401,
    "invalid_signature": 401,
    "forbidden": 403,
    "insufficient_scope": 403,
    "org_bound_key": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "conflict": 409,
    "slug_taken": 409,
    "external_id_taken": 409,
    "key_revoked": 409,
    "key_already_rotated": 409,
    "key_expired": 409,
    "org_not_ready": 409,
    "org_not_failed": 409,
    "idempotency_key_in_use": 409,
    "webhook_endpoint_limit": 409,
    "webhook_endpoint_disabled": 409,
    "no_webhook_endpoint": 409,
    "request_timeout": 408,
    "payload_too_large": 413,
    "uri_too_long": 414,
    "unsupported_media_type": 415,
    "expectation_failed": 417,
    "idempotency_key_reused": 422,
    "rate_limited": 429,
    "header_fields_too_large": 431,
    "internal_error": 500,
    "not_implemented": 501,
    "service_unavailable": 503,
}

# The answers no view chose a code for, Django's and gunicorn's own (core.server): status → (code,
# message).
PLAIN_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood."),
    403: ("forbidden", "This request is not allowed."),
    404: ("not_found", "No such endpoint or resource."),
    405: ("method_not_allowed", "This method is not allowed on this endpoint."),
    408: ("request_timeout", "The request did not arrive in time."),
    413: ("payload_too_large", "The request body is larger than this API accepts."),
    414: ("uri_too_long", "The request line is longer than this API accepts."),
    417: ("expectation_failed", "The Expect header cannot be met."),
    431: ("header_fields_too_large", "The request headers are larger than this API accepts."),
    500: ("internal_error", "Something went wrong on our side."),
    501: ("not_implemented", "The server does not support what this request needs."),
}


def error_body(code: str, message: str, request_id: str | None, fields: Any = None) -> dict:
    """The envelope: {"error": {"code", "message", "request_id", "fields"?}}."""
    error: dict[str, Any] = {"code": code, "message": message, "request_id": request_id}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def error_response(
    request: HttpRequest, code: str, message: str, *, fields: Any = None, status: int | None = None
) -> JsonResponse:
    """The envelope as a plain Django response; its status from STATUS_BY_CODE unless given."""
    body = error_body(code, message, call_context(request).request_id, fields)
    return JsonResponse(body, status=status or STATUS_BY_CODE.get(code, 400))


def domain_error_response(request: HttpRequest, error: DomainError) -> JsonResponse:
    response = error_response(request, error.code, error.message, fields=error.fields)
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


def plain_error_response(request: HttpRequest, status: int) -> JsonResponse:
    """The envelope for one of Django's own error statuses (404, 405, 413, 500…)."""
    status = min(status, 500)
    code, message = PLAIN_ERRORS.get(status, ("error", "The request failed."))
    if status == 404:
        message = _without_slash_hint(request) or message
    if status == 413:
        message = (
            f"The request body is larger than this API accepts "
            f"(at most {settings.CP_MAX_BODY_BYTES} bytes)."
        )
    return error_response(request, code, message, status=status)


def _without_slash_hint(request: HttpRequest) -> str | None:
    """For a /cp/ path with a trailing slash: the same path without it, when that one exists."""
    path = request.path_info
    if not path.startswith("/cp/") or not path.endswith("/") or path == "/cp/":
        return None
    try:
        resolve(path.rstrip("/"))
    except Resolver404:
        return None
    return (
        "No such endpoint: /cp/ paths have no trailing slash. "
        f"Use {redact(path.rstrip('/'))} instead."
    )
