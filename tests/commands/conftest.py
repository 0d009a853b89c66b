"""Command fixtures: run a management command and capture what it printed."""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command


@dataclass
class Output:
    stdout: str
    stderr: str


def run(name: str, *args: str, **options: Any) -> Output:
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err, **options)
    return Output(out.getvalue(), err.getvalue())


@pytest.fixture
def run_command():
    return run
