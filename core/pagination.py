"""Cursor pagination for every list: `{"data": [...], "has_more", "next_cursor", "next"}`."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response


class CursorPage(CursorPagination):
    """Newest first by id (ids are ULIDs, so they sort by creation time); stable under inserts."""

    ordering = "-id"
    page_size_query_param = "limit"
    max_page_size = 200

    def decode_cursor(self, request: Request) -> Cursor | None:
        """A cursor we did not issue is a bad request (400), not a missing page (DRF's 404)."""
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from exc

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
            "required": ["data", "has_more"],
            "properties": {
                "data": schema,
                "has_more": {"type": "boolean"},
                "next_cursor": {"type": "string", "nullable": True},
                "next": {"type": "string", "nullable": True, "format": "uri"},
            },
        }
