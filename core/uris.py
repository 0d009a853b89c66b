"""What a URL we store and hand back must look like: an RFC 3986 URI (so every client can parse
it), and for the schema, the https URL shape clients can count on."""

from __future__ import annotations

import re

# After the authority: a path, query or both, of URI characters and %XX escapes (no fragment).
_TAIL = r"(?:[/?](?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?"
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,63}"
# An https URL of a host name (1 to 4 labels and a top-level domain), an optional port below
# 10000, an optional path and query. The OpenAPI `pattern` of the URLs partners give us.
HTTPS_URL_PATTERN = rf"^https://{_HOST}(?::[1-9][0-9]{{0,3}})?{_TAIL}$"
# Any URI of these characters: unreserved, reserved (but `#`), and well-formed %XX escapes.
_URI = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?\[\]]|%[0-9A-Fa-f]{2})+")


def is_uri(value: str) -> bool:
    """True when `value` holds only URI characters, each `%` starting a two-digit escape, and no
    fragment (Django's URLValidator lets `%zz`, spaces in hosts' places, `<>{}|^` through)."""
    return _URI.fullmatch(value) is not None
