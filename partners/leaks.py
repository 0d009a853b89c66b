"""Leaked keys are revoked at once, whoever finds them: GitHub's secret scanning, or anyone at all.

A batch is handled key by key, each in a savepoint of its own, so a key whose revocation fails (its
row locked past LOCK_TIMEOUT by a stuck transaction, say) is logged and left out while the rest of
the batch stands. Only tokens whose checksum is valid are looked up, all in one query.

Revocation is one-way and idempotent: a key already revoked keeps its first `revoked_at` and
`revoked_by`, and reporting it again writes nothing. Every key not yet revoked is revoked, including
an expired one and one of a deactivated partner (reactivating the partner would revive it).
Plaintext tokens go no further than this module: results name keys by id and tokens by hash.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from audit.recording import record_event
from core import tokens
from partners.models import PartnerKey
from partners.services import partner_key_revoke

logger = logging.getLogger("cp.leaks")

REVOKED_BY_GITHUB = "github_secret_scanning"
REVOKED_BY_PUBLIC_REPORT = "public_report"
MAX_PUBLIC_CREDENTIALS = 1000
# How long one key's revocation waits for its row lock (PostgreSQL) before that key is left out:
# a stuck transaction holding one key must not hold the whole report past the worker's timeout.
LOCK_TIMEOUT = "2s"

TRUE_POSITIVE = "true_positive"
FALSE_POSITIVE = "false_positive"


@dataclass(frozen=True)
class LeakReport:
    """One match of GitHub's report (`type`, `url` and `source` are GitHub's words)."""

    token: str
    type: str
    url: str = ""
    source: str = ""


@dataclass(frozen=True)
class Label:
    """GitHub's feedback for one match: `true_positive` when the token is one of our keys."""

    token_hash: str
    token_type: str
    label: str


@dataclass
class Revocations:
    """What a batch did, by key id: the keys it revoked, and those it failed to revoke."""

    revoked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def partner_keys_report_leaks(*, reports: list[LeakReport]) -> tuple[list[Label], Revocations]:
    """GitHub's report: revoke each of our keys in it, record where it leaked, label every match.

    A token is a true positive when its checksum is valid and it is one of our keys, in any state
    (already revoked, expired…); anything else is a false positive. One label per match, in order.
    """
    hashes = [tokens.hash_token(report.token) for report in reports]
    ours = _our_keys(report.token for report in reports)
    pending = dict(ours)
    done = Revocations()
    if ours:
        _limit_lock_wait()
    for report, token_hash in zip(reports, hashes, strict=True):
        key = pending.pop(token_hash, None)  # a key reported twice in one batch is handled once
        if key is not None:
            _revoke(
                key,
                done,
                revoked_by=REVOKED_BY_GITHUB,
                record=_leak_recorder(report),
                event="partner_key.leaked",
            )
    labels = [
        Label(token_hash, report.type, TRUE_POSITIVE if token_hash in ours else FALSE_POSITIVE)
        for report, token_hash in zip(reports, hashes, strict=True)
    ]
    return labels, done


def partner_keys_revoke_public(*, credentials: list[str]) -> Revocations:
    """Anyone's report: revoke those of `credentials` that are our keys; what was sent stays
    unknown to the caller (the view answers the same whatever this did)."""
    done = Revocations()
    ours = _our_keys(credentials)
    if ours:
        _limit_lock_wait()
    for key in ours.values():
        _revoke(key, done, revoked_by=REVOKED_BY_PUBLIC_REPORT, record=_record_public_revoke)
    return done


def _our_keys(candidates: Iterable[str]) -> dict[str, PartnerKey]:
    """Our keys among `candidates`, by hash: checksums first (a forgery costs no query), then one
    query for them all."""
    hashes = {tokens.hash_token(token) for token in candidates if tokens.is_well_formed(token)}
    if not hashes:
        return {}
    return {key.key_hash: key for key in PartnerKey.objects.filter(key_hash__in=hashes)}


def _revoke(
    key: PartnerKey,
    done: Revocations,
    *,
    revoked_by: str,
    record: Callable[[PartnerKey], None],
    event: str = "partner_key.revoked",
) -> None:
    """Revoke one key, record it and announce it (`event`, the webhook), in a savepoint of its
    own; a revoked key is left as it is."""
    try:
        with transaction.atomic():
            locked = PartnerKey.objects.select_for_update().filter(pk=key.pk).first()
            if locked is None or locked.revoked_at is not None:
                return
            partner_key_revoke(key=locked, revoked_by=revoked_by, event=event)
            record(locked)
    except DatabaseError:
        logger.exception("Could not revoke leaked key %s; the rest of the batch stands.", key.pk)
        done.failed.append(key.pk)
        return
    done.revoked.append(key.pk)


def _limit_lock_wait() -> None:
    """PostgreSQL's lock_timeout for the rest of the call's transaction (SQLite locks the whole
    file, so it has no row lock to wait for)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])


def _key_fields(key: PartnerKey) -> dict[str, str]:
    """What names a key in its partner's trail (GET /cp/admin/audit-events?key=…)."""
    return {
        "target_type": "partnerkey",
        "target_id": key.pk,
        "partner_id": key.partner_id or "",
        "key_id": key.pk,
        "key_hint": key.hint,
    }


def _leak_recorder(report: LeakReport) -> Callable[[PartnerKey], None]:
    def record(key: PartnerKey) -> None:
        record_event(
            action="partner_key.leaked",
            actor_type=AuditEvent.ActorType.GITHUB,
            details={"url": report.url, "source": report.source, "token_type": report.type},
            **_key_fields(key),
        )

    return record


def _record_public_revoke(key: PartnerKey) -> None:
    record_event(
        action="partner_key.revoke",
        actor_type=AuditEvent.ActorType.PUBLIC_REPORT,
        details={"revoked_by": REVOKED_BY_PUBLIC_REPORT},
        **_key_fields(key),
    )
