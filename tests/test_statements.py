"""`core.statements.Compiled`: a query compiled once returns what its queryset returns."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AppendOnlyError, AuditEvent
from core.statements import Compiled
from partners.models import PartnerKey

pytestmark = pytest.mark.django_db(transaction=True)

BY_NAME: Compiled[PartnerKey] = Compiled(
    lambda name: PartnerKey.objects.select_related("partner").filter(name=name).order_by("id")
)


def fields_of(key: PartnerKey) -> dict:
    return {field.attname: getattr(key, field.attname) for field in key._meta.concrete_fields}


def test_the_models_are_the_querysets_with_their_partner_loaded(partner, make_key) -> None:
    make_key(name="ci", partner=partner, expires_at=datetime(2031, 1, 1, tzinfo=UTC))
    make_key(name="ci")
    make_key(name="other")
    expected = list(PartnerKey.objects.select_related("partner").filter(name="ci").order_by("id"))

    with CaptureQueriesContext(connection) as captured:
        found = BY_NAME.fetch("ci")
        partners = [key.partner for key in found]  # loaded with the key, no query of its own

    assert [fields_of(key) for key in found] == [fields_of(key) for key in expected]
    assert found[0].expires_at.tzinfo is not None  # the field's converters ran (SQLite: text)
    assert sorted(p.slug if p else "" for p in partners) == sorted(
        key.partner.slug if key.partner else "" for key in expected
    )
    assert len(captured.captured_queries) == 1
    assert BY_NAME.first("nobody") is None


def test_values_are_bound_never_spliced(make_key) -> None:
    make_key(name="x' OR '1'='1")
    assert BY_NAME.fetch("x' OR 'a'='a") == []
    assert [key.name for key in BY_NAME.fetch("x' OR '1'='1")] == ["x' OR '1'='1"]


def test_each_thread_compiles_its_own_and_gets_the_same_answer(make_key) -> None:
    key, _ = make_key(name="threaded")
    seen: list[str] = []

    def fetch() -> None:
        try:
            seen.extend(k.id for k in BY_NAME.fetch("threaded"))
        finally:
            connection.close()

    worker = threading.Thread(target=fetch)
    worker.start()
    worker.join()
    assert seen == [key.id] == [k.id for k in BY_NAME.fetch("threaded")]


def test_a_placeholder_the_orm_transforms_is_refused_at_first_use() -> None:
    contains: Compiled[PartnerKey] = Compiled(
        lambda part: PartnerKey.objects.filter(name__contains=part)
    )
    with pytest.raises(ValueError, match="placeholder was transformed"):
        contains.fetch("ci")


def test_an_append_writes_the_row_save_would_write_and_only_once() -> None:
    def event() -> AuditEvent:
        return AuditEvent(
            request_id="req_same",
            actor_type=AuditEvent.ActorType.PARTNER_KEY,
            action="org.status",
            status_code=200,
            ip="127.0.0.1",
            details={"nested": {"n": 1}, "list": ["a"]},
        )

    appended, saved = event(), event()
    appended.append()
    saved.save()

    def stored(pk: str) -> dict:
        row = fields_of(AuditEvent.objects.get(pk=pk))
        return {name: value for name, value in row.items() if name not in ("id", "occurred_at")}

    assert stored(appended.pk) == stored(saved.pk)
    assert AuditEvent.objects.get(pk=appended.pk).occurred_at == appended.occurred_at
    with pytest.raises(AppendOnlyError):
        appended.append()
