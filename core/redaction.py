"""No log line holds a key or token: anything shaped like one is replaced by its hint.

A record is rendered first (`msg % args`, the exception's traceback, the stack), then redacted, so a
token passed as an argument or carried by an exception message is caught as well as one written
into the message. Two ways in, one rule:

- `install()` makes redaction part of every record this process creates (the log record factory),
  whatever logger or handler it goes to, including handlers other libraries add (Django's
  `mail_admins`, an error tracker's). `core.apps` calls it in every Django process; gunicorn's
  config calls it in the server's processes.
- `RedactingFilter` is put on the handlers we configure (LOGGING's console, gunicorn's access and
  error logs), so they stay safe even in a process that never called `install()`.

Pure Python (no Django), so gunicorn's master can load it before the application.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from core.tokens import TOKEN_LIKE, hint

# Webhook signing secrets: `whsec_` + base64 of 24 or more random bytes.
WEBHOOK_SECRET_LIKE = re.compile(r"whsec_[A-Za-z0-9+/]{16,}={0,2}")
_TOKEN_PREFIX_LENGTH = len("mol_pk_")
_FORMATTER = logging.Formatter()


def redact(text: str) -> str:
    """`text` with every token-shaped string (`mol_pk_`, `mol_ws_`, `whsec_`) as its hint."""
    text = TOKEN_LIKE.sub(lambda m: hint(m[0], m[0][:_TOKEN_PREFIX_LENGTH]), text)
    return WEBHOOK_SECRET_LIKE.sub(lambda m: hint(m[0], "whsec_"), text)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Render the record's message, traceback and stack as text, and redact them (idempotent)."""
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit the format: logging reports it on emit
        return record
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = _FORMATTER.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactingFilter(logging.Filter):
    """A handler filter that redacts every record it passes (and drops none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install() -> None:
    """Redact every log record this process creates from now on (safe to call more than once)."""
    factory: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(factory, "redacts", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(factory(*args, **kwargs))

    redacting_factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
