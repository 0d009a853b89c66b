"""The /cp/ OpenAPI schema (drf-spectacular): every answer an operation can give, in one place.

Views declare what is theirs with `cp_schema` (their request and success serializers, the error
codes their services raise); `CPAutoSchema` adds what every call shares and the view's own classes
already say: the platform's error answers (401 for a bearer operation, 403 for a scope or the master
key, 404 for a path with an id, 400/413/415 for a body, the idempotency answers of a POST, 429,
503), the headers (`X-Request-Id`, the rate-limit pair, `Retry-After`, `WWW-Authenticate`) and
`x-required-scopes`, read from the view's `required_scopes`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema

from core.permissions import HasScope, IsMasterKey
from core.schema_parts import (
    IDEMPOTENCY_KEY,
    RATE_LIMIT,
    RATE_LIMIT_POLICY,
    REQUEST_ID,
    RETRY_AFTER,
    SHARED_HEADERS,
    WWW_AUTHENTICATE,
    error_responses,
    header,
    location,
    retry_after_while,
)
from core.serializers import StrictSerializer, safe_text_pattern
from core.throttling import ClientIPRateThrottle

__all__ = ["CPAutoSchema", "cp_schema", "location", "postprocess", "retry_after_while"]

ERRORS_EXTENSION = "x-cp-errors"  # how `cp_schema` hands its codes to CPAutoSchema (not output)


def cp_schema(
    *,
    operation_id: str,
    summary: str,
    ok: dict[int, Any],
    errors: Iterable[str] = (),
    request: Any = None,
    description: str = "",
    parameters: Sequence[Any] = (),  # OpenApiParameter, or a serializer of query parameters
    examples: Sequence[OpenApiExample] = (),
    tags: Sequence[str] | None = None,
) -> Callable[[Any], Any]:
    """`extend_schema` for a /cp/ operation: its request, its success answers and the error codes
    of its own rules; CPAutoSchema adds the ones every operation of its kind can answer."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description or None,
        request=request,
        responses=ok,
        parameters=list(parameters),
        examples=list(examples),
        tags=list(tags) if tags else None,
        extensions={ERRORS_EXTENSION: sorted(set(errors))},
    )


class CPAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema with the platform's answers, headers and scopes."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        operation.pop(ERRORS_EXTENSION, None)
        if self._bearer():
            operation["x-required-scopes"] = list(self._scopes())
        who = self._who()
        if who:
            description = operation.get("description", "")
            operation["description"] = f"{description}\n\n**Who may call:** {who}".strip()
        return operation

    def get_override_parameters(self) -> list[Any]:
        parameters = [*super().get_override_parameters(), REQUEST_ID]
        if self._bearer() or self._ip_limited():
            parameters += [RATE_LIMIT_POLICY, RATE_LIMIT, RETRY_AFTER]
        else:
            parameters.append(
                header(
                    RETRY_AFTER.name,
                    str(RETRY_AFTER.description),
                    codes=[503],
                    required=True,
                    schema=int,
                )
            )
        if self._bearer():
            parameters.append(WWW_AUTHENTICATE)
            if self.method == "POST" and self._success_codes():
                parameters += [IDEMPOTENCY_KEY, self._replayed()]
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        declared = (self.get_extensions() or {}).get(ERRORS_EXTENSION, [])
        for status, response in error_responses([*declared, *self._standard_codes()]).items():
            responses[str(status)] = self._get_response_for_code(
                response, str(status), direction=direction
            )
        return responses

    def _replayed(self) -> OpenApiParameter:
        return header(
            "Idempotent-Replayed",
            "`true` when this is the stored answer of an earlier call with the same "
            "`Idempotency-Key`.",
            codes=self._success_codes(),
        )

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False  # unknown fields are 400
            schema.update(getattr(serializer, "schema_rules", {}))  # rules across fields
        return schema

    def _success_codes(self) -> list[int]:
        responses = self.get_response_serializers()
        codes: dict[Any, Any] = responses if isinstance(responses, dict) else {}
        return [int(code) for code in codes if 200 <= int(code) < 300]

    def _standard_codes(self) -> list[str]:
        codes = ["bad_request", "not_acceptable", "service_unavailable"]
        if self._bearer():
            codes += ["unauthenticated", "rate_limited"]
        elif self._ip_limited():
            codes.append("rate_limited")
        permissions = [type(p) for p in self.view.get_permissions()]
        if IsMasterKey in permissions:
            codes.append("forbidden")
        if HasScope in permissions and self._scopes():
            codes.append("insufficient_scope")
        if "{" in self.path:
            codes.append("not_found")
        if self.method in ("POST", "PATCH", "PUT"):
            codes += ["validation_error", "malformed_json", "payload_too_large"]
            codes.append("unsupported_media_type")
        if self.method == "POST" and self._bearer():
            codes += ["invalid_idempotency_key", "idempotency_key_in_use"]
            codes.append("idempotency_key_reused")
        return codes

    def _bearer(self) -> bool:
        return bool(self.view.get_authenticators())

    def _ip_limited(self) -> bool:
        return ClientIPRateThrottle in getattr(self.view, "throttle_classes", ())

    def _scopes(self) -> tuple[str, ...]:
        scopes: dict[str, tuple[str, ...]] = getattr(self.view, "required_scopes", {})
        return scopes.get(getattr(self.view, "action", None) or self.method, ())

    def _who(self) -> str:
        if not self._bearer():
            return ""
        permissions = [type(p) for p in self.view.get_permissions()]
        if IsMasterKey in permissions:
            return "the admin master key only."
        scopes = self._scopes()
        if scopes:
            return "a partner key with " + " or ".join(f"`{s}`" for s in scopes) + "."
        return "any partner key, or the admin master key."


class SafeTextFieldExtension(OpenApiSerializerFieldExtension):
    """A `StrictCharField`'s refused characters as a `pattern` (when no validator set one)."""

    target_class = "core.serializers.StrictCharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: AutoSchema, direction: Any) -> Any:
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        patterned = any(isinstance(v, RegexValidator) for v in field.validators)
        if direction == "request" and field.safe_text and not patterned:
            schema["pattern"] = safe_text_pattern(allow_blank=field.allow_blank)
        # drf-spectacular adds the field's own meta (nullable: the type's "null") once more.
        types = schema.get("type")
        if isinstance(types, list) and "null" in types:
            kept = [t for t in types if t != "null"]
            schema["type"] = kept[0] if len(kept) == 1 else kept
        return schema


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict:
    """drf-spectacular's last step: the shared headers once, as components; the health check (a
    plain Django view, outside /cp/)."""
    headers: dict[str, Any] = {}
    examples: dict[str, Any] = {}
    for operations in result["paths"].values():
        for operation in operations.values():
            for response in operation["responses"].values():
                _share_headers(response.get("headers", {}), headers)
                for content in response.get("content", {}).values():
                    _share_error_examples(content.get("examples", {}), examples)
    result["components"]["headers"] = dict(sorted(headers.items()))
    result["components"]["examples"] = dict(sorted(examples.items()))
    result["paths"]["/healthz"] = {
        "get": {
            "operationId": "healthz",
            "summary": "Health check",
            "description": "For load balancers: answers while the web process runs (it reads "
            "neither the database nor the cache). No key.",
            "tags": ["meta"],
            "responses": {
                "200": {
                    "description": "The process is up.",
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["status"],
                                "properties": {"status": {"type": "string", "const": "ok"}},
                            }
                        }
                    },
                }
            },
        }
    }
    return result


def _share_headers(headers: dict[str, Any], shared: dict[str, Any]) -> None:
    for name in SHARED_HEADERS & set(headers):
        shared[name] = headers[name]
        headers[name] = {"$ref": f"#/components/headers/{name}"}


def _share_error_examples(examples: dict[str, Any], shared: dict[str, Any]) -> None:
    """Each error code's example once, in components/examples (named by its code)."""
    for name, example in list(examples.items()):
        value = example.get("value")
        if isinstance(value, dict) and set(value) == {"error"}:
            code = value["error"]["code"]
            shared[code] = example
            del examples[name]
            examples[code] = {"$ref": f"#/components/examples/{code}"}
