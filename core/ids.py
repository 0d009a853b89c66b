"""Prefixed, sortable ULID identifiers (`org_01j…`), opaque to clients."""

from __future__ import annotations

from ulid import ULID


def new_id(prefix: str) -> str:
    """A new id: the type prefix, an underscore and a lower-case ULID (sorts by creation time)."""
    return f"{prefix}_{str(ULID()).lower()}"


ID_MAX_LENGTH = 40
