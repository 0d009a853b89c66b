"""Chunked request bodies for Django, which reads a body by its Content-Length only.

gunicorn de-chunks `Transfer-Encoding: chunked` and says so (`wsgi.input_terminated`), but with no
Content-Length Django reads the body as empty: a chunked create arrived as `{}`. This WSGI wrapper
reads such a body, at most CP_MAX_BODY_BYTES and one byte more, and hands it to Django with its
length, so the usual limit applies: past it, /cp/ answers 413 before anything parses the body.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ChunkedBodies:
    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if (
            environ.get("wsgi.input_terminated")
            and not environ.get("CONTENT_LENGTH")
            and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        ):
            body = environ["wsgi.input"].read(settings.CP_MAX_BODY_BYTES + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)
