"""The parts of every /cp/ operation's answers in the OpenAPI schema: the error envelope and
its responses, and the headers (see core.schema, which puts them on each operation)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from core.errors import STATUS_BY_CODE, error_body
from core.idempotency import MAX_KEY_LENGTH
from core.schema_errors import ERROR_MESSAGES

EXAMPLE_REQUEST_ID = "req_01jbz3k4m5n6p7q8r9s0t1v2w3"


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=sorted(STATUS_BY_CODE), help_text="Stable, snake_case: branch on this."
    )
    message = serializers.CharField(help_text="A sentence for people; may change.")
    request_id = serializers.RegexField(
        r"^req_", help_text="The call's id, also in `X-Request-Id`; quote it to support."
    )
    # The envelope's name; DRF keeps declared fields apart from `Serializer.fields`.
    fields = serializers.DictField(  # type: ignore[assignment]
        required=False,
        help_text="On `validation_error`: each invalid field or query parameter, its messages.",
    )


class ErrorSerializer(serializers.Serializer):
    """Every error, whatever the status: `{"error": {"code", "message", "request_id",
    "fields"?}}`."""

    error = ErrorDetailSerializer()


def header(
    name: str,
    description: str,
    *,
    codes: Sequence[int] | bool = True,
    required: bool = False,
    schema: type | dict = str,
) -> OpenApiParameter:
    """A response header of the responses with these status codes (True: all of them)."""
    return OpenApiParameter(
        name,
        schema,
        OpenApiParameter.HEADER,
        required=required,
        description=description,
        response=list(codes) if not isinstance(codes, bool) else codes,
    )


REQUEST_ID = header(
    "X-Request-Id", "The call's id (`req_…`), also in its audit event.", required=True
)
RATE_LIMIT_POLICY = header(
    "RateLimit-Policy",
    'The caller\'s budget: `"key";q=<requests>;w=<seconds>` (`"ip"` on keyless endpoints). '
    "Absent for the master key, which is not limited.",
)
RATE_LIMIT = header(
    "RateLimit",
    'What is left of it: `"key";r=<remaining>;t=<seconds to reset>`. Absent when the master key '
    "calls, or while the limit's store is unreachable.",
)
RETRY_AFTER = header(
    "Retry-After",
    "Seconds to wait before trying again.",
    codes=[429, 503],
    required=True,
    schema=int,
)
WWW_AUTHENTICATE = header(
    "WWW-Authenticate", 'Always `Bearer realm="cp"`.', codes=[401], required=True
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "pattern": rf"^[!-~]([ -~]{{0,{MAX_KEY_LENGTH - 2}}}[!-~])?$"},
    OpenApiParameter.HEADER,
    description="Any unique string (e.g. a UUID): the same key with the same body within 24 h "
    "replays the first answer (with `Idempotent-Replayed: true`) instead of acting twice.",
)


# Headers that mean the same on every response that has them: written once, in components.
SHARED_HEADERS = frozenset({"X-Request-Id", "RateLimit-Policy", "RateLimit", "WWW-Authenticate"})


def location(path: str) -> OpenApiParameter:
    """The `Location` of a 201: where the new resource lives."""
    return header("Location", f"`{path}`", codes=[201], required=True)


def retry_after_while(what: str) -> OpenApiParameter:
    """A `Retry-After` on a 200 (the status of something still in flight)."""
    return header(
        "Retry-After", f"Seconds until it is worth asking again, {what}.", codes=[200], schema=int
    )


def error_responses(codes: Iterable[str]) -> dict[int, OpenApiResponse]:
    """One response per status, the error envelope with an example for each of its codes."""
    by_status: dict[int, list[str]] = defaultdict(list)
    for code in sorted(set(codes)):
        by_status[STATUS_BY_CODE[code]].append(code)
    return {
        status: OpenApiResponse(
            ErrorSerializer,
            description="; ".join(f"`{code}`: {ERROR_MESSAGES[code]}" for code in found),
            examples=[
                OpenApiExample(
                    code,
                    value=error_body(code, ERROR_MESSAGES[code], EXAMPLE_REQUEST_ID),
                    status_codes=[str(status)],
                    response_only=True,
                )
                for code in found
            ],
        )
        for status, found in sorted(by_status.items())
    }
