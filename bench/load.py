"""Load from a second process: wrk with `bench/wrk/cp.lua`, targets interleaved in rounds.

wrk is C with an event loop: one thread keeps the connections busy for a few percent of a core,
so on a 2-core machine nearly all the CPU stays with the servers being measured (a Python load
generator would take a core of its own and cap what it measures).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "cp.lua"


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    authorization: str = ""
    method: str = "GET"
    expect: int = 200  # POST: cp.lua sends an org body with a slug unique to each request

    @property
    def mode(self) -> str:
        return "create" if self.method == "POST" else "get"


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int


@dataclass
class Results:
    samples: dict[str, list[Sample]] = field(default_factory=dict)

    def add(self, target: Target, sample: Sample) -> None:
        self.samples.setdefault(target.name, []).append(sample)

    def median(self, name: str, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples[name])

    def ratio(self, top: str, bottom: str) -> tuple[float, float, float]:
        """Median, min and max over rounds of top/bottom req/s, each round against itself."""
        ratios = [
            a.rps / b.rps
            for a, b in zip(self.samples[top], self.samples[bottom], strict=True)
            if b.rps
        ]
        return statistics.median(ratios), min(ratios), max(ratios)


def run_wrk(
    wrk: str, base: str, target: Target, *, seconds: int, connections: int, threads: int
) -> Sample:
    """One wrk run of one target; refuses a run whose answers were not the expected status."""
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",  # wrk takes whole seconds
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        base + target.path,
        "--",
        target.mode,
        target.authorization,
        uuid.uuid4().hex[:8],
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next((x for x in out.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result for {target.name}:\n{out}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    refused = data["status_errors"]  # responses >= 400
    socket_errors = sum(data[k] for k in ("connect_errors", "read_errors", "write_errors"))
    wrong = refused != data["requests"] if target.expect >= 400 else refused
    if wrong or socket_errors or data["timeouts"]:
        raise RuntimeError(f"{target.name}: unexpected answers or errors: {data}")
    return Sample(data["rps"], data["p50_ms"], data["p99_ms"], data["requests"])


def run_rounds(
    run: Callable[[Target, int], Sample],
    targets: list[Target],
    *,
    rounds: int,
    seconds: int,
    warmup: int,
    after: Callable[[Target], None],
    progress: Callable[[str], None],
) -> Results:
    """A warm-up pass, then `rounds` rounds, each running every target once in the same order."""
    for target in targets:
        run(target, warmup)
        after(target)
    results = Results()
    for number in range(1, rounds + 1):
        for target in targets:
            sample = run(target, seconds)
            results.add(target, sample)
            after(target)
        progress(
            f"round {number}/{rounds}: "
            + ", ".join(f"{t.name} {results.samples[t.name][-1].rps:.0f}/s" for t in targets)
        )
    return results
