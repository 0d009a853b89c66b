"""Recognise our tokens in raw bytes, and the allowlist that silences known ones (no Django).

Speed comes from never decoding files: a file without `mol_` costs one substring search, and the
others one pass of a single compiled bytes regex. Only a match whose checksum is valid is a finding,
so a look-alike (a placeholder, a truncated or mistyped key) is never reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# The only import of the token format: if it moves, this line moves with it.
from core.tokens import (
    PARTNER_KEY_PREFIX,
    TOKEN_LENGTH,
    WORKSPACE_TOKEN_PREFIX,
    hash_token,
    hint,
    is_well_formed,
)

TOKEN_TYPES = {PARTNER_KEY_PREFIX: "partner_key", WORKSPACE_TOKEN_PREFIX: "workspace_token"}
MARKER = b"mol_"  # common to every prefix: the cheap test before any regex
_TAIL = TOKEN_LENGTH - len(PARTNER_KEY_PREFIX)
_PREFIXES = b"|".join(re.escape(prefix.encode()) for prefix in TOKEN_TYPES)
# Delimited on both sides: not inside a longer base62 run. An escape such as the `\n` of a JSON
# string ("a\nmol_pk_…") delimits too, or the second key of "key1\nkey2" would be missed.
TOKEN_RE = re.compile(
    rb"(?:(?<![0-9A-Za-z])|(?<=\\[nrt]))(%b)[0-9A-Za-z]{%d}(?![0-9A-Za-z])" % (_PREFIXES, _TAIL)
)
_HINT_RE = re.compile(rb"(%b)[0-9A-Za-z]{4}(?:\xe2\x80\xa6|\.\.\.)[0-9A-Za-z]{4}" % _PREFIXES)
_SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")


class UsageError(Exception):
    """Bad usage (exit 2): the message is shown as it is, on one line."""


@dataclass(frozen=True)
class Finding:
    """One valid token in one file. It holds no plaintext, so no output can leak one."""

    path: str
    line: int
    column: int  # 1-based, in bytes (as ripgrep and editors' quickfix lists count)
    hint: str
    type: str
    sha256: str


def find_tokens(data: bytes, path: str) -> list[Finding]:
    """The tokens with a valid checksum in `data`, in order."""
    if MARKER not in data:
        return []
    findings = []
    for match in TOKEN_RE.finditer(data):
        token, prefix = match.group().decode(), match.group(1).decode()
        if not is_well_formed(token, prefix):
            continue
        start = match.start()
        line = data.count(b"\n", 0, start) + 1
        column = start - data.rfind(b"\n", 0, start)
        findings.append(
            Finding(path, line, column, hint(token, prefix), TOKEN_TYPES[prefix], hash_token(token))
        )
    return findings


def redact(text: str) -> str:
    """`text` with anything shaped like a token (valid checksum or not) replaced by its hint."""
    raw = text.encode("utf-8", "surrogateescape")
    if MARKER not in raw:
        return text
    safe = TOKEN_RE.sub(lambda m: hint(m.group().decode(), m.group(1).decode()).encode(), raw)
    return safe.decode("utf-8", "surrogateescape")


class Allowlist:
    """Hints and SHA-256 digests of tokens known and accepted (examples in docs, revoked keys)."""

    def __init__(self, entries: frozenset[str] = frozenset()) -> None:
        self.entries = entries

    @classmethod
    def load(cls, path: str) -> Allowlist:
        """One entry a line, `#` starts a comment. A whole token is refused: list its hint."""
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "not UTF-8 text"
            raise UsageError(f"cannot read allowlist {path}: {reason}") from None
        return cls(frozenset(_entry(line, path, number) for number, line in _numbered(lines)))

    def allows(self, finding: Finding) -> bool:
        return finding.hint in self.entries or finding.sha256 in self.entries


def _numbered(lines: list[str]) -> list[tuple[int, str]]:
    """(line number, entry) for the lines that hold one, comments stripped."""
    stripped = ((number, line.split("#", 1)[0].strip()) for number, line in enumerate(lines, 1))
    return [(number, entry) for number, entry in stripped if entry]


def _entry(entry: str, path: str, number: int) -> str:
    """The canonical form of one allowlist entry; the entry is never echoed (it may be secret)."""
    if _SHA256_RE.fullmatch(entry):
        return entry.lower()
    if _HINT_RE.fullmatch(entry.encode()):
        return entry.replace("...", "…")
    where = f"allowlist {path}, line {number}"
    if TOKEN_RE.search(entry.encode()):
        raise UsageError(
            f"{where}: a whole token; list its hint or SHA-256 instead, then revoke it"
        )
    raise UsageError(f"{where}: not a hint (mol_pk_abcd…wxyz) nor a SHA-256 hex digest")
