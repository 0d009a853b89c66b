"""Which constraint an IntegrityError broke, so a race maps to the right domain error.

The database decides uniqueness races (two creates of one slug), not a prior SELECT; a service
then needs to know which rule the loser broke to answer `slug_taken` or `external_id_taken`.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, models

# SQLite names an index on expressions (`index 'org_slug_unique_ci'`), else the columns.
_SQLITE_INDEX = re.compile(r"UNIQUE constraint failed: index '([^']+)'")
_SQLITE_COLUMNS = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")


def violated_constraint(exc: IntegrityError, model: type[models.Model]) -> str | None:
    """The name of the constraint of `model` that `exc` reports, or None when it is another."""
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None:  # PostgreSQL (psycopg) says it
        return getattr(diag, "constraint_name", None)
    message = str(exc)
    match = _SQLITE_INDEX.search(message)
    if match:
        return match.group(1)
    match = _SQLITE_COLUMNS.search(message)
    if match is None:
        return None
    columns = match.group(1).split(", ")
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        table = model._meta.db_table
        named = [getattr(model._meta.get_field(f), "column", f) for f in fields]
        if fields and [f"{table}.{column}" for column in named] == columns:
            return constraint.name
    return None
