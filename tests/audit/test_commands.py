"""export_audit and prune_audit."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEvent


def _event(days_ago: float = 0, **fields: object) -> AuditEvent:
    return AuditEvent.objects.create(
        request_id="req_x",
        actor_type="partner_key",
        action="org.create",
        occurred_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def _run(name: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_export_streams_json_lines_oldest_first_in_small_pages(partner):
    made = [_event(days_ago=n, partner_id=partner.id).id for n in (3, 2, 1)]
    _event(partner_id="prt_other")

    out, err = _run("export_audit", "--partner", "acme", "--batch-size", "2")

    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["id"] for row in rows] == sorted(made)
    assert rows[0]["actor"]["type"] == "partner_key"
    assert "Exported 2/3 events" in err
    assert "Exported 3 audit events as jsonl to stdout" in err


@pytest.mark.django_db
def test_export_writes_csv_to_a_file_within_a_time_window(tmp_path):
    _event(days_ago=5, path="=HYPERLINK(1)")
    inside = _event(days_ago=2, path="=HYPERLINK(1)", details={"a": 1})
    _event(days_ago=0)
    target = tmp_path / "trail.csv"
    since = (timezone.now() - timedelta(days=3)).isoformat()
    until = (timezone.now() - timedelta(days=1)).isoformat()

    out, _err = _run(
        "export_audit",
        "--format",
        "csv",
        "--since",
        since,
        "--until",
        until,
        "--output",
        str(target),
    )

    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [row["id"] for row in rows] == [inside.id]
    assert rows[0]["path"] == "'=HYPERLINK(1)"
    assert json.loads(rows[0]["details"]) == {"a": 1}
    assert f"Exported 1 audit events as csv to {target}" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ["--since", "yesterday"],
        ["--partner", "nobody"],
        ["--format", "xml"],
        ["--since", "2025-02-01T00:00:00Z", "--until", "2025-01-01T00:00:00Z"],
        ["--output", "/nonexistent/dir/file.jsonl"],
    ],
)
def test_export_refuses_bad_options_with_a_clear_message(args):
    with pytest.raises((CommandError, SystemExit)):
        _run("export_audit", *args)


@pytest.mark.django_db
def test_prune_deletes_only_events_past_retention_in_batches_and_says_so(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = [_event(days_ago=40).id for _ in range(5)]
    kept = _event(days_ago=10)

    dry, _ = _run("prune_audit", "--dry-run")
    assert "Would delete 5 audit events older than 30 days" in dry
    assert AuditEvent.objects.filter(pk__in=old).count() == 5

    out, err = _run("prune_audit", "--batch-size", "2")

    assert "Deleted 5 audit events older than 30 days" in out
    assert "Deleted 4 events so far" in err
    assert not AuditEvent.objects.filter(pk__in=old).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    record = AuditEvent.objects.get(action="audit.prune")
    assert (record.actor_type, record.details["deleted"]) == ("system", 5)


@pytest.mark.django_db
def test_prune_refuses_a_retention_under_one_day():
    with pytest.raises(CommandError, match="at least 1 day"):
        _run("prune_audit", "--older-than", "0")
