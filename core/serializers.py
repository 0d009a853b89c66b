"""Strict request fields: unknown fields and wrong JSON types are errors, never silently coerced.

Text fields also refuse characters that make text lie about itself (control characters, bidi
overrides, invisible format marks), and list endpoints refuse query parameters they do not know.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.request import Request

from core.errors import DomainError
from core.pagination import CursorPage

# Unicode categories refused in text people read: control (Cc), format (Cf: bidi overrides and
# isolates, zero-width and other invisible marks), lone surrogates (Cs, which no database stores),
# line and paragraph separators (Zl, Zp).
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Format characters that writing needs: ZWNJ and ZWJ (Persian, Indic scripts, emoji sequences).
ALLOWED_FORMAT_CHARACTERS = frozenset({"\u200c", "\u200d"})


@cache
def _unsafe_ranges() -> list[tuple[int, int]]:
    """The code points of the Basic Multilingual Plane that `validate_safe_text` refuses, as ranges
    (lone surrogates aside: no JSON text a client sends as UTF-8 can hold one)."""
    ranges: list[tuple[int, int]] = []
    for point in range(0xFFFF + 1):
        char = chr(point)
        if 0xD800 <= point <= 0xDFFF or unsafe_character(char) is None:
            continue
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))
    return ranges


def unsafe_character(text: str) -> str | None:
    """The first character of `text` that `validate_safe_text` refuses, or None."""
    return next(
        (
            char
            for char in text
            if unicodedata.category(char) in UNSAFE_CATEGORIES
            and char not in ALLOWED_FORMAT_CHARACTERS
        ),
        None,
    )


def validate_safe_text(value: str) -> None:
    """Refuse text with control, format or bidi-override characters (a name shown to people).

    A Django validator, so DRF fields and Django forms refuse the same things.
    """
    char = unsafe_character(value)
    if char is not None:
        raise DjangoValidationError(
            "Must not contain control, format or bidirectional-override characters "
            f"(found U+{ord(char):04X})."
        )


def safe_char_class() -> str:
    """A regular-expression class of the characters `validate_safe_text` lets through (in the
    Basic Multilingual Plane), written with `\\uXXXX` escapes, which ECMA-262, Python and Rust
    regular expressions all read alike: for the OpenAPI schema's patterns."""
    return "[^" + _unsafe_class_body() + "]"


def _unsafe_class_body() -> str:
    return "".join(
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}"
        for low, high in _unsafe_ranges()
    )


def safe_text_pattern(*, allow_blank: bool) -> str:
    """The `pattern` of a StrictCharField: only safe characters, and (unless blank is allowed)
    one that is not whitespace, since the field trims it."""
    safe = safe_char_class()
    # A blank-allowing field: drf-spectacular adds `{"maxLength": 0}` beside it in a `oneOf`, so
    # this branch must not match "" too.
    if allow_blank:
        return f"^{safe}+$"
    return f"^{safe}*[^\\s{_unsafe_class_body()}]{safe}*$"


class StrictSerializer(serializers.Serializer):
    """Unknown fields are refused, each named in the errors."""

    # Names accepted without being fields (QueryFilters: the page's own parameters).
    passthrough: frozenset[str] = frozenset()

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields) - self.passthrough)
            if unknown:
                message = self.unknown_message()
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)

    def unknown_message(self) -> str:
        return "Unknown field."


class StrictCharField(serializers.CharField):
    """JSON strings only: a number or a boolean where a string belongs is a type error.

    `safe_text` (on by default) also refuses control, format and bidi-override characters.
    """

    def __init__(self, *, safe_text: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.safe_text = safe_text  # the schema's `pattern` says so (core.schema)
        if safe_text:
            self.validators.append(validate_safe_text)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """JSON integers only: "5", 5.5 and true are type errors. A number with no fractional part
    (5.0, 1e3) is an integer, as JSON Schema (and so the OpenAPI schema) counts them."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON booleans only: "false" or 0 is a type error, not a guess."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class QueryFilters(StrictSerializer):
    """A list endpoint's query string: its declared filters plus the page's `cursor` and `limit`.

    Any other parameter is `400 validation_error` naming it, so a mistyped or unsupported filter
    never answers with every row. Subclass it to declare filters; use it as is for none.
    """

    passthrough = frozenset({CursorPage.cursor_query_param})
    limit = serializers.IntegerField(
        min_value=1, max_value=CursorPage.max_page_size, required=False
    )

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "getlist"):  # a QueryDict: plain values, so a blank filter is not skipped
            names = [name for name, _ in self.fields.items()]  # the stubs iterate fields, not names
            repeated = sorted(n for n in names if len(data.getlist(n)) > 1)
            if repeated:
                raise serializers.ValidationError(
                    {name: ["Give this parameter once."] for name in repeated}
                )
            data = {name: data[name] for name in data}
        return super().to_internal_value(data)

    def unknown_message(self) -> str:
        allowed = sorted({*(name for name, _ in self.fields.items()), *self.passthrough})
        return f"Unknown query parameter. This list accepts: {', '.join(allowed)}."


class InvalidQuery(DomainError):
    code = "validation_error"
    message = "The query string is not valid; see fields."


def query_filters(request: Request, filters: type[QueryFilters] = QueryFilters) -> dict[str, Any]:
    """The validated filters of a list call (without the page parameters), or a 400."""
    query = filters(data=request.query_params)
    if not query.is_valid():
        raise InvalidQuery(
            fields={name: [str(e) for e in errs] for name, errs in query.errors.items()}
        )
    return {name: value for name, value in query.validated_data.items() if name != "limit"}
