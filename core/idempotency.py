"""`Idempotency-Key` on POST: claim before the call runs, keep its response, replay it for 24 h.

A claim is a committed row (caller, key) with no response yet. A duplicate that arrives while the
first call runs finds the row without a response (`409 idempotency_key_in_use`); one that arrives
later with the same body gets the stored response back; another body is `422`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from core.credentials import Principal
from core.errors import DomainError
from core.models import PATH_MAX_LENGTH, IdempotencyRecord
from core.redaction import redact

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)
# Longer than any call may run (gunicorn's worker timeout is 30 s): an older open claim is dead.
CLAIM_LEASE = timedelta(minutes=2)
# Fields whose values are secrets shown once; a replay carries null in their place.
SECRET_FIELDS = ("key", "token", "secret")
# Answers that mean the call never ran: the claim is released so the caller can retry.
_NOT_RUN = {401, 403, 413, 429}


class InvalidIdempotencyKey(DomainError):
    code = "invalid_idempotency_key"
    message = "Idempotency-Key must be 1 to 255 printable characters."


class IdempotencyKeyInUse(DomainError):
    code = "idempotency_key_in_use"
    message = "A request with this Idempotency-Key is still being processed; retry later."


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was used with a different request body or endpoint."


@dataclass
class Claim:
    record: IdempotencyRecord


def wanted(request: HttpRequest) -> bool:
    return request.method == "POST" and HEADER in request.META


def caller_of(principal: Principal) -> str:
    """Records are per principal: the key's id, or `master`."""
    return principal.actor_label


def stored_path(path: str) -> str:
    """The path as a record keeps it, for people reading it: tokens as hints, cut to the column.

    Matching never reads it: the fingerprint covers the whole path.
    """
    return redact(path)[:PATH_MAX_LENGTH]


def fingerprint_of(method: str, path: str, body: object) -> str:
    """Method, path and the body's JSON meaning (key order and spacing do not matter)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path} {canonical}".encode()).hexdigest()


def fingerprint(request: HttpRequest) -> str:
    try:
        body: object = json.loads(request.body) if request.body else None
    except (ValueError, RecursionError):  # not JSON, or nested too deep to parse
        body = request.body.decode("utf-8", "replace")
    return fingerprint_of(request.method or "", request.path, body)


def claim(request: HttpRequest, principal: Principal) -> Claim | IdempotencyRecord:
    """Claim the key for this call, or return the finished record to replay. Raises on conflict."""
    idem_key = request.META[HEADER].strip()
    if not idem_key or len(idem_key) > MAX_KEY_LENGTH or not idem_key.isprintable():
        raise InvalidIdempotencyKey()
    caller, print_ = caller_of(principal), fingerprint(request)
    now = timezone.now()
    # An expired record, or a claim whose call died before committing anything (its response is
    # written in the call's own transaction), no longer holds the key.
    IdempotencyRecord.objects.filter(
        Q(created_at__lt=now - RETENTION)
        | Q(status_code__isnull=True, created_at__lt=now - CLAIM_LEASE),
        caller=caller,
        key=idem_key,
    ).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                caller=caller,
                key=idem_key,
                method=request.method or "",
                path=stored_path(request.path),
                fingerprint=print_,
            )
        return Claim(record)
    except IntegrityError:
        pass
    existing = IdempotencyRecord.objects.filter(caller=caller, key=idem_key).first()
    if existing is None:  # released between our insert and read: the caller may retry
        raise IdempotencyKeyInUse("Retry this request.")
    if existing.fingerprint != print_:
        raise IdempotencyKeyReused()
    if existing.status_code is None:
        raise IdempotencyKeyInUse()
    return existing


def settle(claimed: Claim, response: HttpResponse) -> None:
    """Keep the response for replays (secrets blanked); release the claim if the call never ran."""
    record = claimed.record
    if response.status_code in _NOT_RUN or response.status_code >= 500:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    record.status_code = response.status_code
    record.response_body = _without_secrets(_body_of(response))
    record.response_headers = {h: response[h] for h in ("Location",) if response.has_header(h)}
    record.save(update_fields=["status_code", "response_body", "response_headers"])


def prune(*, older_than: timedelta = RETENTION, batch: int = 1000) -> int:
    """Delete the records past their replay window, `batch` rows a statement; how many went.

    Such a record replays nothing (a claim deletes its own expired one), it only takes space: the
    worker's sweep calls this on every round.
    """
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        expired = IdempotencyRecord.objects.filter(created_at__lt=cutoff)
        ids = list(expired.values_list("pk", flat=True)[:batch])
        if ids:
            deleted += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch:
            return deleted


def replay(record: IdempotencyRecord) -> HttpResponse:
    response = JsonResponse(record.response_body, status=record.status_code or 200, safe=False)
    for header, value in record.response_headers.items():
        response[header] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _body_of(response: HttpResponse) -> object:
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _without_secrets(body: object) -> object:
    if isinstance(body, dict):
        return {k: (None if k in SECRET_FIELDS else _without_secrets(v)) for k, v in body.items()}
    return body
