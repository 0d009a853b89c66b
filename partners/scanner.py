"""`mol-secret-scan`: find our partner keys and workspace tokens before they are committed.

A console script and a pre-commit hook (`.pre-commit-hooks.yaml`). It runs without Django: it
imports only the standard library and the token format, so any repository can install it.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections import Counter
from dataclasses import asdict
from typing import NoReturn

from partners.scanner_match import Allowlist, Finding, UsageError, find_tokens, redact
from partners.scanner_sources import SKIPPED_DIRS, disk_files, staged_files

PROG = "mol-secret-scan"
DESCRIPTION = """\
Find Molecule AI partner keys (mol_pk_...) and workspace tokens (mol_ws_...) in files.
Only tokens whose checksum is valid are reported, so placeholders and look-alikes never are,
and a token is never printed whole: each finding shows its hint (mol_pk_abcd…wxyz)."""
_SKIPPED = textwrap.fill(
    " ".join(sorted(SKIPPED_DIRS)), width=96, initial_indent="    ", subsequent_indent="    "
)
EPILOG = f"""\
what is scanned:
  PATH arguments are files or directories (recursively); the default is the current directory.
  While walking (never when named as a PATH), symlinks and these directories are skipped:
{_SKIPPED}
  Binary files (a NUL byte in their first 8 KiB) are skipped. With --staged, the content staged
  in git's index is scanned instead of the working tree, and PATH arguments are git pathspecs.

output (stdout):
  text  one line per finding: PATH:LINE:COLUMN: HINT (partner_key|workspace_token)
        (COLUMN is 1-based and counts bytes)
  json  an array of {{"path", "line", "column", "hint", "type", "sha256"}}, sha256 being the
        SHA-256 hex digest of the token

allowlist file:
  One entry per line: a token's hint as printed (mol_pk_abcd…wxyz, or with "..."), or the SHA-256
  hex digest of the token. "#" starts a comment; blank lines are ignored. Findings it lists are
  not reported. Never put a whole token in it.

exit status:
  0 no token found, 1 tokens found, 2 bad usage (unknown option, unreadable allowlist, missing
  PATH, --staged outside a git repository).

pre-commit: use the hook id "{PROG}" (.pre-commit-hooks.yaml of this package's repository).
A token that has left your machine must be revoked:
  POST /cp/credentials/revoke {{"credentials": ["mol_pk_..."]}}"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line on stderr and exit 2 (argparse's default prints the whole usage first)."""
        self.exit(2, f"{PROG}: error: {redact(message)} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories to scan")
    parser.add_argument(
        "--staged", action="store_true", help="scan the staged content of the git index"
    )
    parser.add_argument("--allowlist", metavar="FILE", help="hints or SHA-256s not to report")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the scanner; the exit status is 1 when it found a token (see --help)."""
    args = _parser().parse_args(argv)
    try:
        allowlist = Allowlist.load(args.allowlist) if args.allowlist else Allowlist()
        source = staged_files(args.paths) if args.staged else disk_files(args.paths or ["."], _warn)
        findings = [
            finding
            for path, data in source
            for finding in find_tokens(data, redact(path))
            if not allowlist.allows(finding)
        ]
    except UsageError as error:
        _stderr(f"error: {error}")
        return 2
    if args.format == "json":
        print(json.dumps([asdict(finding) for finding in findings], indent=2))
    else:
        _print_text(findings)
    return 1 if findings else 0


def _print_text(findings: list[Finding]) -> None:
    lines = "".join(f"{f.path}:{f.line}:{f.column}: {f.hint} ({f.type})\n" for f in findings)
    sys.stdout.buffer.write(lines.encode("utf-8", "surrogateescape"))
    sys.stdout.flush()
    if findings:
        kinds = Counter(finding.type.replace("_", " ") for finding in findings)
        counts = ", ".join(f"{count} {kind}{'s' * (count > 1)}" for kind, count in kinds.items())
        _stderr(
            f"found {counts}. Take every token out of these files; any that has left this "
            "machine must be revoked (POST /cp/credentials/revoke)."
        )


def _warn(message: str) -> None:
    _stderr(f"warning: {message}")


def _stderr(message: str) -> None:
    sys.stderr.write(f"{PROG}: {redact(message)}\n")


if __name__ == "__main__":
    sys.exit(main())
