"""DRF's JSON parser, refusing with a 400 (not a 500) what parses but cannot be processed or stored.

Bodies nested too deep for Python's parser, and NUL characters (`\\u0000`) in any key or string:
PostgreSQL's text and jsonb columns cannot hold them, and no field of the API has a use for one.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class CPJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the body is nested too deeply.") from exc
        if holds_nul(data):
            raise ParseError("JSON parse error - strings may not contain \\u0000 (NUL).")
        return data


def holds_nul(data: object) -> bool:
    """True when a NUL is in any key or string of parsed JSON (walked without recursion)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
