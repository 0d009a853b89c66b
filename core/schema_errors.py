"""What each error code means, in the words of the OpenAPI schema (one line per code of
`core.errors.STATUS_BY_CODE`; a test checks that none is missing)."""

from __future__ import annotations

ERROR_MESSAGES: dict[str, str] = {
    "bad_request": "The request could not be understood (a bad header, a NUL byte in the URL).",
    "validation_error": "The body or the query string is not valid; `fields` names each problem.",
    "malformed_json": "The body is not JSON (or nests too deep, or holds a NUL character).",
    "invalid_idempotency_key": "Idempotency-Key must be 1 to 255 printable characters.",
    "unauthenticated": 'No usable key: send "Authorization: Bearer mol_pk_…" with a key that is '
    "active (not revoked, expired or of a deactivated partner).",
    "invalid_signature": "The GitHub signature headers are missing or do not verify.",
    "forbidden": "This credential may not make this call (e.g. it needs the admin master key).",
    "insufficient_scope": "The key lacks the scope this call needs; the message names it.",
    "org_bound_key": "A key bound to one org cannot do this.",
    "not_found": "No such resource, or not one this key may see.",
    "method_not_allowed": "This method is not allowed here; `Allow` lists those that are.",
    "not_acceptable": "The Accept header excludes application/json, the only type answered.",
    "conflict": "The request conflicts with the resource's current state.",
    "slug_taken": "The slug is already taken.",
    "external_id_taken": "Another of your orgs already has this external_id.",
    "key_revoked": "The key is revoked and cannot be rotated.",
    "key_already_rotated": "The key was already rotated; rotate its successor.",
    "key_expired": "The key has expired and cannot be rotated; issue a new key.",
    "org_not_ready": "Only a ready org can do this; poll its status first.",
    "org_not_failed": "Only a failed org can be retried.",
    "idempotency_key_in_use": "A call with this Idempotency-Key is still running; retry later.",
    "webhook_endpoint_limit": "The endpoint limit is reached; delete one first.",
    "webhook_endpoint_disabled": "The endpoint is disabled; enable it first.",
    "no_webhook_endpoint": "No enabled endpoint subscribes to this event's type.",
    "request_timeout": "The request did not arrive in time.",
    "payload_too_large": "The body is larger than the limit the message states (in bytes).",
    "uri_too_long": "The request line is longer than this API accepts.",
    "unsupported_media_type": "The body must be sent with Content-Type: application/json.",
    "expectation_failed": "The Expect header cannot be met.",
    "idempotency_key_reused": "This Idempotency-Key was used with another body or endpoint.",
    "rate_limited": "Over the rate limit; retry after the seconds in Retry-After.",
    "header_fields_too_large": "The request headers are larger than this API accepts.",
    "internal_error": "Something went wrong on our side.",
    "not_implemented": "The server does not support what this request needs.",
    "service_unavailable": "A dependency is unavailable; retry after the seconds in Retry-After.",
}
