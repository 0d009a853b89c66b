#!/usr/bin/env python3
"""Bulk seeding for the scale benchmark: N orgs and M partner keys by PostgreSQL COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench_x .venv/bin/python bench/seed.py \\
        --orgs 1000000 --keys 100000 [--partner bench] [--partners 100] [--share 0.1]

The database must be migrated. Rows are spread over `--partners` partners; the partner `--partner`
(created if missing) gets `--share` of them, the rest are spread at random, interleaved in id order.
Orgs are in final states only (94% ready, 3% failed, 3% deleted), so a worker finds nothing to do.
Keys get random hashes (no plaintext exists for them): issue the keys you call with the service.

The column list comes from each model's `_meta.concrete_fields`: a column the seed knows gets its
value below (`OVERRIDES`, applied only when the column exists), any other column its field's
default, NULL when nullable, or a plain value of its type, so a new column does not break it.
Ids are the model's prefixed lower-case ULIDs, sorted like ULIDs (1 ms apart, the last one now).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ulid import ULID

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

Row = dict[str, Any]
Value = Callable[[int, Row], Any]
BATCH = 50_000
READY, FAILED, DELETED = "ready", "failed", "deleted"
STATUS_WEIGHTS = ((READY, 94), (FAILED, 3), (DELETED, 3))


def _ts(row: Row) -> datetime:
    return datetime.fromtimestamp(row["_ms"] / 1000, tz=UTC)


def _when(status: str) -> Value:
    return lambda _i, row: _ts(row) + timedelta(seconds=30) if row["status"] == status else None


# Meaningful values for the columns the benchmark reads; unknown columns fall back to defaults.
OVERRIDES: dict[str, dict[str, Value]] = {
    "partners.partner": {
        "name": lambda i, row: f"Bulk partner {row['id'][-8:]}",
        "slug": lambda i, row: f"bulk-{row['id'][4:]}",
        "created_at": lambda i, row: _ts(row),
    },
    "orgs.org": {
        "name": lambda i, row: f"Bulk org {row['id'][-8:]}",
        "slug": lambda i, row: f"bulk-{row['id'][4:]}",
        "plan": lambda i, row: "standard",
        "status": lambda i, row: row["_status"],
        "partner_id": lambda i, row: row["_partner"],
        # Who sees the org (orgs.models.manager_of): here always its partner.
        "managed_by": lambda i, row: row["_partner"],
        "created_at": lambda i, row: _ts(row),
        "ready_at": _when(READY),
        "failed_at": _when(FAILED),
        "deleting_at": _when(DELETED),
        "deleted_at": _when(DELETED),
        "error": lambda i, row: "bench: seeded failure" if row["status"] == FAILED else "",
    },
    "partners.partnerkey": {
        "name": lambda i, row: f"bulk-key-{i}",
        "key_hash": lambda i, row: f"{random.getrandbits(256):064x}",
        "hint": lambda i, row: f"mol_pk_{row['id'][4:8]}…{row['id'][-4:]}",
        "scopes": lambda i, row: '["orgs:create", "orgs:list"]',
        "partner_id": lambda i, row: row["_partner"],
        "created_at": lambda i, row: _ts(row),
        # The rotation family: an unrotated key is its own family.
        "family_id": lambda i, row: row["id"],
    },
}


def _fallback(field: Any, now: datetime) -> Value:
    """The value of a column the seed knows nothing about: its default, NULL, or a plain value."""
    from django.db import models

    if field.has_default():
        default = field.default
        if default in (list, dict) or not callable(default):
            constant = _db_literal(field, field.get_default())
            return lambda i, row: constant
        return lambda i, row: _db_literal(field, field.get_default())
    if field.null:
        return lambda i, row: None
    if field.is_relation:
        raise SystemExit(f"{field.model._meta.label}.{field.name}: add a value to OVERRIDES")
    typed: list[tuple[type, Value]] = [
        (models.BooleanField, lambda i, row: False),
        (models.DateTimeField, lambda i, row: now),
        (models.DateField, lambda i, row: date.today()),
        (models.UUIDField, lambda i, row: uuid.uuid4()),
        (models.JSONField, lambda i, row: "{}"),
        (models.GenericIPAddressField, lambda i, row: "127.0.0.1"),
        (models.IntegerField, lambda i, row: 0),
        (models.DecimalField, lambda i, row: 0),
        (models.FloatField, lambda i, row: 0.0),
        (models.CharField, lambda i, row: f"{field.name}-{row['id']}"[: field.max_length]),
        (models.TextField, lambda i, row: f"{field.name}-{row['id']}"),
    ]
    for kind, value in typed:
        if isinstance(field, kind):
            return value
    raise SystemExit(f"{field.model._meta.label}.{field.name}: add a value to OVERRIDES")


def _db_literal(field: Any, value: Any) -> Any:
    """JSON as its text (COPY's text format parses it into jsonb); everything else as it is."""
    from django.db import models

    return json.dumps(value) if isinstance(field, models.JSONField) else value


def _id_prefix(model: Any) -> str | None:
    """`org` for a pk whose default makes `org_<ulid>` ids; None for any other pk."""
    pk = model._meta.pk
    if not (pk.has_default() and callable(pk.default)):
        return None
    sample = str(pk.default())
    prefix, _, rest = sample.partition("_")
    return prefix if len(rest) == 26 else None


@dataclass(frozen=True)
class Plan:
    """How to fill one table: its columns in order, each with the function giving its value."""

    table: str
    columns: list[tuple[str, Value]]
    prefix: str


def plan_for(model: Any) -> Plan:
    now = datetime.now(UTC)
    overrides = OVERRIDES.get(model._meta.label_lower, {})
    prefix = _id_prefix(model)
    if prefix is None:
        raise SystemExit(f"{model._meta.label}: its pk is not a prefixed ULID")
    columns: list[tuple[str, Value]] = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            columns.append((field.column, lambda i, row: row["id"]))
        elif field.attname in overrides:
            columns.append((field.column, overrides[field.attname]))
        elif _has_db_default(field):
            continue  # the database fills it
        else:
            columns.append((field.column, _fallback(field, now)))
    return Plan(model._meta.db_table, columns, prefix)


def _has_db_default(field: Any) -> bool:
    from django.db.models.fields import NOT_PROVIDED

    return field.db_default is not NOT_PROVIDED


def _rows(plan: Plan, count: int, extra: Callable[[int], Row]) -> Iterator[tuple]:
    """`count` rows, ids one millisecond apart ending now (so they sort like creation order)."""
    end_ms = int(time.time() * 1000)
    for i in range(count):
        ms = end_ms - count + i
        row: Row = {"_ms": ms, "id": f"{plan.prefix}_{str(ULID.from_timestamp(ms)).lower()}"}
        row.update(extra(i))
        values = []
        for column, value in plan.columns:
            row[column] = value(i, row)
            values.append(row[column])
        yield tuple(values)


def copy_rows(model: Any, count: int, extra: Callable[[int], Row], label: str) -> float:
    """COPY `count` new rows of `model` in batches; returns rows per second."""
    from django.db import connection, transaction

    plan = plan_for(model)
    names = ", ".join(f'"{column}"' for column, _ in plan.columns)
    started = time.perf_counter()
    rows = _rows(plan, count, extra)
    done = 0
    while done < count:
        size = min(BATCH, count - done)
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f'COPY "{plan.table}" ({names}) FROM STDIN') as copy,
        ):
            for _ in range(size):
                copy.write_row(next(rows))
        done += size
        rate = done / (time.perf_counter() - started)
        print(f"  {label}: {done:,}/{count:,} ({rate:,.0f} rows/s)", file=sys.stderr, flush=True)
    return count / max(time.perf_counter() - started, 1e-9)


def _owner_picker(measured: str, others: list[str], share: float) -> Callable[[int], Row]:
    def extra(i: int) -> Row:
        owner = measured if random.random() < share or not others else random.choice(others)
        status = random.choices(
            [s for s, _ in STATUS_WEIGHTS], weights=[w for _, w in STATUS_WEIGHTS]
        )[0]
        return {"_partner": owner, "_status": status}

    return extra


def ensure_partners(*, slug: str, others: int) -> tuple[str, list[str]]:
    """The measured partner (created if missing) and at least `others` other partners' ids."""
    from partners.models import Partner

    measured = Partner.objects.filter(slug=slug).first()
    if measured is None:
        measured = Partner.objects.create(name=f"Bench {slug}", slug=slug)
    existing = list(Partner.objects.exclude(pk=measured.pk).values_list("pk", flat=True))
    if len(existing) < others:
        copy_rows(Partner, others - len(existing), lambda i: {}, "partners")
        existing = list(Partner.objects.exclude(pk=measured.pk).values_list("pk", flat=True))
    return measured.pk, existing[:others]


@dataclass(frozen=True)
class SeedReport:
    orgs: int
    keys: int
    org_rows_per_s: float
    key_rows_per_s: float
    seconds: float


def seed(*, orgs: int, keys: int, partner: str, partners: int, share: float) -> SeedReport:
    """Append `orgs` orgs and `keys` keys, then ANALYZE so the planner knows the new sizes."""
    from django.db import connection

    from orgs.models import Org
    from partners.models import PartnerKey

    started = time.perf_counter()
    measured, others = ensure_partners(slug=partner, others=max(partners - 1, 0))
    extra = _owner_picker(measured, others, share)
    org_rate = copy_rows(Org, orgs, extra, "orgs") if orgs else 0.0
    key_rate = copy_rows(PartnerKey, keys, extra, "keys") if keys else 0.0
    with connection.cursor() as cursor:
        for model in (Org, PartnerKey):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return SeedReport(orgs, keys, org_rate, key_rate, time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description="Bulk-load orgs and partner keys by COPY.")
    parser.add_argument("--orgs", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--partner", default="bench", help="slug of the measured partner")
    parser.add_argument("--partners", type=int, default=100, help="partners in all")
    parser.add_argument("--share", type=float, default=0.1, help="the measured partner's share")
    args = parser.parse_args()
    if args.orgs < 0 or args.keys < 0 or not 0 <= args.share <= 1 or args.partners < 1:
        parser.error("counts must be >= 0, --partners >= 1 and --share within 0..1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    report = seed(
        orgs=args.orgs,
        keys=args.keys,
        partner=args.partner,
        partners=args.partners,
        share=args.share,
    )
    print(
        f"Seeded {report.orgs:,} orgs ({report.org_rows_per_s:,.0f} rows/s) and "
        f"{report.keys:,} keys ({report.key_rows_per_s:,.0f} rows/s) in {report.seconds:.1f} s."
    )


if __name__ == "__main__":
    main()
