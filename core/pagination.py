"""Cursor pagination for every list: `{"data": [...], "has_more", "next_cursor", "next"}`.

A cursor is `<direction><offset>.<position>`: `a` (after: the next page) or `b` (before), how many
rows at that position to skip, and the id the page continues from, e.g.
`a0.org_01jbz3k4m5n6p7q8r9s0t1v2w3`. Clients pass it back unchanged; any string of that shape is
a meaningful page (ids sort by creation time), so the schema's pattern says exactly which cursors
are accepted.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

CURSOR_PATTERN = re.compile(r"^([ab])([0-9]{1,4})\.([0-9a-z_]{0,40})$")
BAD_CURSOR = (
    "Not a cursor this API issued: pass the next_cursor of the previous page unchanged, "
    "or leave cursor out for the first page."
)


def token_of(cursor: Cursor) -> str:
    """The `?cursor=` value of a page: what `next_cursor` carries."""
    return f"{'b' if cursor.reverse else 'a'}{cursor.offset}.{cursor.position or ''}"


class CursorPage(CursorPagination):
    """Newest first by id (ids are ULIDs, so they sort by creation time); stable under inserts."""

    ordering = "-id"
    page_size_query_param = "limit"
    max_page_size = 200

    def decode_cursor(self, request: Request) -> Cursor | None:
        """A cursor we did not issue is a bad request (400) that says what to send instead."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        match = CURSOR_PATTERN.fullmatch(encoded)
        if match is None:
            raise ValidationError({self.cursor_query_param: [BAD_CURSOR]})
        direction, offset, position = match.groups()
        return Cursor(
            offset=min(int(offset), self.offset_cutoff),
            reverse=direction == "b",
            position=position or None,  # type: ignore[arg-type]  # the stubs say int; ids are str
        )

    def encode_cursor(self, cursor: Cursor) -> str:
        """The next (or previous) page's URL, with its cursor."""
        return replace_query_param(self.base_url or "", self.cursor_query_param, token_of(cursor))

    def get_paginated_response(self, data: list) -> Response:
        next_link = self.get_next_link()
        query = parse_qs(urlparse(next_link).query) if next_link else {}
        next_cursor = query.get(self.cursor_query_param, [None])[0]
        return Response(
            {
                "data": data,
                "has_more": next_link is not None,
                "next_cursor": next_cursor,
                "next": next_link,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["data", "has_more", "next_cursor", "next"],
            "properties": {
                "data": schema,
                "has_more": {"type": "boolean", "description": "Whether another page follows."},
                "next_cursor": {
                    "type": ["string", "null"],
                    "pattern": CURSOR_PATTERN.pattern,
                    "description": "Pass as `?cursor=` for the next page; null on the last.",
                },
                "next": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": "The next page's URL; null on the last.",
                },
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The `next_cursor` of the previous page, unchanged.",
                "schema": {"type": "string", "pattern": CURSOR_PATTERN.pattern},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
