"""DRF's exception handler: every error a /cp/ view raises, as the one JSON envelope."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from core import database
from core.context import call_context, current_request
from core.credentials import CHALLENGE
from core.errors import STATUS_BY_CODE, DomainError, RateLimited, error_body

logger = logging.getLogger("cp.errors")

# DRF's own exceptions, in our codes.
_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.NotAuthenticated: "unauthenticated",
    exceptions.AuthenticationFailed: "unauthenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "malformed_json",
    exceptions.ValidationError: "validation_error",
}


def _flatten(detail: Any) -> Any:
    """DRF ErrorDetail trees to plain strings, keeping the field structure."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(value) for value in detail]
    return str(detail)


def as_domain_error(exc: Exception) -> DomainError | None:
    """DRF's and Django's exceptions as domain errors; None for anything unexpected (a bug)."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, exceptions.Throttled):
        return RateLimited(retry_after=int(getattr(exc, "wait", None) or 1))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No such resource.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "bad_request")
    error = DomainError(_message(exc))
    error.code = code
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields if isinstance(fields, list) else [fields]}
        error.message, error.fields = "The request body is not valid; see fields.", fields
    return error


SEND_BEARER = 'Send "Authorization: Bearer mol_pk_…" (a partner key, or the admin master key).'


def _message(exc: exceptions.APIException) -> str:
    """DRF's message, or (for a missing key or a body we do not read) what to send instead."""
    if isinstance(exc, exceptions.NotAuthenticated):
        request = current_request()
        header = request.META.get("HTTP_AUTHORIZATION", "") if request is not None else ""
        if not header:
            return f"No API key. {SEND_BEARER}"
        scheme = header.split(" ", 1)[0]
        if re.fullmatch(r"[A-Za-z][A-Za-z-]{0,19}", scheme):  # a scheme's name, never a key
            return f"The Authorization header uses the {scheme} scheme, not Bearer. {SEND_BEARER}"
        return f'The Authorization header is not "Bearer <key>". {SEND_BEARER}'
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return f"{exc.detail} Send Content-Type: application/json."
    return str(exc.detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Every error from a DRF view as the envelope; unknown exceptions logged and answered 500."""
    request = context["request"]
    request_id = call_context(request).request_id
    if isinstance(exc, database.UNAVAILABLE):
        error: DomainError | None = database.unavailable(request, exc)
    else:
        error = as_domain_error(exc)
    if error is None:
        logger.exception("Unhandled error in %s %s (%s)", request.method, request.path, request_id)
        body = error_body("internal_error", "Something went wrong on our side.", request_id)
        return Response(body, status=500)
    headers: dict[str, str] = {}
    if isinstance(exc, exceptions.APIException) and getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    status = STATUS_BY_CODE.get(error.code, 400)
    if status == 401:  # also a 401 no authentication class raised (a bad GitHub signature)
        headers.setdefault("WWW-Authenticate", CHALLENGE)
    if error.retry_after:
        headers["Retry-After"] = str(error.retry_after)
    body = error_body(error.code, error.message, request_id, error.fields)
    return Response(body, status=status, headers=headers)
