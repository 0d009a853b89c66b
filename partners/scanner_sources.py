"""Where the scanned bytes come from: files on disk, or the blobs staged in git's index.

Both sources yield `(path, bytes)` for text files only: a NUL byte in the first 8 KiB marks a
binary file, which is skipped (as git and grep decide). Bad usage (a missing path, `--staged`
outside a repository) raises `UsageError` before the first file is read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator

from partners.scanner_match import UsageError

# Directories that hold tools' caches or installed third-party code, never the project's own files.
# `dist`, `build` and `site-packages` are scanned: a key copied into a build is still a leak.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    }
)
SNIFF_BYTES = 8192
Source = Iterator[tuple[str, bytes]]
Warn = Callable[[str], None]


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:SNIFF_BYTES]


def disk_files(paths: list[str], warn: Warn) -> Source:
    """The text files named in `paths` or found under them (but in skipped directories)."""
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    return _read_all(paths, warn)


def _read_all(paths: list[str], warn: Warn) -> Source:
    for top in paths:
        names = _walk(top, warn) if os.path.isdir(top) else [top] if os.path.isfile(top) else []
        for path in names:
            try:
                data = _read_text(path)
            except OSError as error:
                warn(f"cannot read {path}: {error.strerror}")
                continue
            if data is not None:
                yield path, data


def _read_text(path: str) -> bytes | None:
    """The file's bytes, or None for a binary file (whose rest is never read)."""
    with open(path, "rb", buffering=0) as file:  # raw reads: one syscall each
        data = file.read(SNIFF_BYTES)
        if is_binary(data):
            return None
        return data + file.read() if len(data) == SNIFF_BYTES else data


def _walk(top: str, warn: Warn) -> Iterator[str]:
    """Regular files under `top`, sorted, depth first. Symlinks are not followed: a link to a file
    is scanned where its target lives, and a link to a directory could loop or leave the tree."""
    strip = 2 if top in (".", "./") else 0  # `a/b.py`, not `./a/b.py`
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            warn(f"cannot list {directory}: {error.strerror}")
            continue
        subdirectories = []
        for entry in entries:
            if entry.is_symlink():
                continue
            if entry.is_dir():
                if entry.name not in SKIPPED_DIRS:
                    subdirectories.append(entry.path)
            elif entry.is_file():
                yield entry.path[strip:]
        stack.extend(reversed(subdirectories))


def staged_files(pathspecs: list[str]) -> Source:
    """The staged content (the index, not the working tree) of files added, copied or modified."""
    _git("rev-parse", "--git-dir", error="--staged needs a git repository, and this is not in one")
    raw = _git(
        *("diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames", "--diff-filter=ACMR"),
        *("--", *pathspecs),
        error="git diff --cached failed",
    )
    fields = raw.split(b"\0")
    blobs = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        _, new_mode, _, sha, _ = meta.split()
        if new_mode != b"160000":  # a submodule's commit, not a file
            blobs.append((os.fsdecode(path), sha))
    return _read_blobs(blobs)


def _read_blobs(blobs: list[tuple[str, bytes]]) -> Source:
    """Blob contents through one `git cat-file --batch` (it answers each request as it comes)."""
    if not blobs:
        return
    with subprocess.Popen(  # noqa: S603 (our own arguments)
        [_git_path(), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as cat:
        assert cat.stdin is not None and cat.stdout is not None
        for path, sha in blobs:
            cat.stdin.write(sha + b"\n")
            cat.stdin.flush()
            size = int(cat.stdout.readline().split()[2])
            data = cat.stdout.read(size)
            cat.stdout.read(1)  # the newline after each object
            if not is_binary(data):
                yield path, data
        cat.stdin.close()


def _git_path() -> str:
    """git as found on PATH, as git's own hooks find it."""
    path = shutil.which("git")
    if path is None:
        raise UsageError("--staged needs git, and it is not on PATH")
    return path


def _git(*args: str, error: str) -> bytes:
    done = subprocess.run([_git_path(), *args], capture_output=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise UsageError(error)
    return done.stdout
