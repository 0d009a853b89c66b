#!/usr/bin/env python3
"""Throughput of `mol-secret-scan`: MB/s and files/s over a large real tree with planted tokens.

    .venv/bin/python bench/secret_scan.py [DIR] [--copies 2] [--runs 5]

DIR (default: this venv's site-packages) is copied COPIES times into a temporary directory, a
few valid tokens and one bad-checksum look-alike are planted in it, and the installed console
script scans the copy RUNS times (a fresh process each time, as pre-commit runs it). MB are
10**6 bytes of the whole tree; it also prints how much of it is text, read and searched whole.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import tokens as keys  # noqa: E402
from partners.scanner_sources import disk_files  # noqa: E402

SCANNER = Path(sys.executable).parent / "mol-secret-scan"
PLANTED = 5


def tree_size(top: Path) -> tuple[int, int]:
    """(regular files, bytes) under `top`, symlinks not followed."""
    files = size = 0
    for directory, _, names in os.walk(top):
        for name in names:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                files += 1
                size += os.path.getsize(path)
    return files, size


def plant(top: Path) -> None:
    """Append PLANTED valid tokens and one look-alike to Python files spread over the tree."""
    sources = sorted(top.rglob("*.py"))
    step = len(sources) // (PLANTED + 1)
    for index in range(PLANTED):
        prefix = keys.PARTNER_KEY_PREFIX if index % 2 else keys.WORKSPACE_TOKEN_PREFIX
        with sources[(index + 1) * step].open("a") as file:
            file.write(f"\nLEAKED = {keys.generate(prefix)!r}\n")
    good = keys.generate()
    with sources[0].open("a") as file:
        file.write(f"\nLOOK_ALIKE = {good[:-1] + ('A' if good[-1] != 'A' else 'B')!r}\n")


def scan(top: Path) -> tuple[float, int]:
    """(seconds, findings) of one run of the console script."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(SCANNER), "--format", "json", str(top)], capture_output=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"scanner failed ({done.returncode}): {done.stderr.decode()}")
    return seconds, len(json.loads(done.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=sysconfig.get_paths()["purelib"])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secret-scan-bench-") as temp:
        top = Path(temp)
        for copy in range(args.copies):
            shutil.copytree(args.source, top / f"copy-{copy}", symlinks=True)
        plant(top)
        files, size = tree_size(top)
        print(f"tree: {args.copies} copies of {args.source}: {files:,} files, {size / 1e6:,.1f} MB")
        texts = [len(data) for _, data in disk_files([str(top)], print)]
        text_mb = sum(texts) / 1e6
        print(
            f"of which text files scanned whole: {len(texts):,}, {text_mb:,.1f} MB "
            "(the rest: binaries, read up to 8 KiB, and files in skipped directories)"
        )
        times = []
        for run in range(1, args.runs + 1):
            seconds, found = scan(top)
            times.append(seconds)
            print(
                f"run {run}: {seconds:.2f} s  {size / 1e6 / seconds:,.0f} MB/s "
                f"(text {text_mb / seconds:,.0f} MB/s)  {files / seconds:,.0f} files/s  "
                f"findings {found} (planted {PLANTED})"
            )
        median = statistics.median(times)
        print(
            f"median: {size / 1e6 / median:,.0f} MB/s of tree (text {text_mb / median:,.0f} MB/s), "
            f"{files / median:,.0f} files/s; best {size / 1e6 / min(times):,.0f} MB/s"
        )


if __name__ == "__main__":
    main()
