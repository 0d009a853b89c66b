"""Every domain error has a status in the one table, and services raise no HTTP exceptions."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

from core.errors import STATUS_BY_CODE, DomainError

ROOT = Path(__file__).resolve().parent.parent
APPS = ["core", "partners", "orgs", "audit"]


def all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= all_subclasses(sub)
    return found


@pytest.fixture(scope="module")
def domain_errors() -> set[type[DomainError]]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)
    return all_subclasses(DomainError)


def test_every_domain_error_code_has_a_status(domain_errors):
    missing = sorted(
        f"{e.__module__}.{e.__name__}: {e.code}"
        for e in domain_errors
        if e.code not in STATUS_BY_CODE
    )
    assert len(domain_errors) >= 10
    assert missing == []


@pytest.mark.parametrize(
    "path", sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/services.py"))
)
def test_services_know_no_http(path):
    tree = ast.parse((ROOT / path).read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {m for m in imported if m.startswith(("rest_framework", "django.http"))}
