"""The one JSON error envelope of the /cp/ API, and the DRF exception handler that emits it."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django_ratelimit.exceptions import Ratelimited
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger("cp.errors")


class CPError(exceptions.APIException):
    """A domain error with its own code; services raise these and the handler renders them."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, fields: dict | None = None) -> None:
        self.message = message or self.message
        self.fields = fields
        super().__init__(self.message, self.code)


class Conflict(CPError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class InsufficientScope(CPError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(f"This key lacks the scope {scope!r} needed for this call.")
        self.scope = scope


class RateLimited(CPError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "rate_limited"
    message = "Too many requests for this key; retry after the time in Retry-After."

    def __init__(self, message: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class ServiceUnavailable(CPError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"


# DRF's own exceptions, mapped to our codes.
_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.NotAuthenticated: "unauthenticated",
    exceptions.AuthenticationFailed: "unauthenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "malformed_json",
    exceptions.Throttled: "rate_limited",
    exceptions.ValidationError: "validation_error",
}


def error_body(code: str, message: str, request_id: str | None, fields: Any = None) -> dict:
    """The envelope: {"error": {"code", "message", "request_id", "fields"?}}."""
    error: dict[str, Any] = {"code": code, "message": message, "request_id": request_id}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def error_response(
    request: HttpRequest, status_code: int, code: str, message: str, fields: Any = None
) -> JsonResponse:
    """A plain Django JSON error response, for errors raised outside DRF views."""
    body = error_body(code, message, getattr(request, "request_id", None), fields)
    return JsonResponse(body, status=status_code)


def _flatten(detail: Any) -> Any:
    """DRF ErrorDetail trees to plain strings, keeping the field structure."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(value) for value in detail]
    return str(detail)


def _drf_error(exc: exceptions.APIException) -> tuple[str, str, Any]:
    if isinstance(exc, CPError):
        return exc.code, exc.message, exc.fields
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields if isinstance(fields, list) else [fields]}
        return code, "The request body is not valid; see fields.", fields
    return code, str(exc.detail), None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every error from a DRF view as the envelope; unknown exceptions logged and answered 500."""
    request = context["request"]
    request_id = getattr(request, "request_id", None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No such resource.")
    elif isinstance(exc, Ratelimited):  # a PermissionDenied, but it means 429, not 403
        exc = RateLimited()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled error in %s %s (%s)", request.method, request.path, request_id)
        body = error_body("internal_error", "Something went wrong on our side.", request_id)
        return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    code, message, fields = _drf_error(exc)
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    retry_after = getattr(exc, "retry_after", None) or getattr(exc, "wait", None)
    if retry_after:
        headers["Retry-After"] = str(max(1, int(retry_after)))
    return Response(
        error_body(code, message, request_id, fields), status=exc.status_code, headers=headers
    )
