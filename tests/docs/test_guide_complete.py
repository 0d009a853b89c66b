"""The guide names every error code the API answers (with its status) and every audit action the
code writes, its example key is not a key, and its CI snippets call the CI example with a secret."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from audit.recording import _viewset_action
from core import tokens
from core.errors import STATUS_BY_CODE
from tests.docs.guide import GUIDE, ROOT, blocks

APPS = ["core", "partners", "orgs", "audit", "webhooks"]
ADMIN_VERBS = ("create", "update", "delete")  # audit.history: changes made in the console


def guide() -> str:
    return GUIDE.read_text()


def written_actions() -> set[str]:
    """Every literal `action="…"` given to annotate(), record_event(), AuditEvent(…) or
    AuditEvent.objects.create(…), and the literals default_action() returns."""
    found: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                    if name in ("annotate", "record_event", "AuditEvent", "create"):
                        found |= {
                            kw.value.value
                            for kw in node.keywords
                            if kw.arg == "action"
                            and isinstance(kw.value, ast.Constant)
                            and isinstance(kw.value.value, str)
                            and "." in kw.value.value
                        }
                if isinstance(node, ast.FunctionDef) and node.name == "default_action":
                    found |= {
                        ret.value.value
                        for ret in ast.walk(node)
                        if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Constant)
                    }
    return found


def route_actions() -> set[str]:
    """What the trail calls a call refused before its view ran, for every mapped route."""
    found: set[str] = set()

    def walk(patterns: list) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and str(pattern.pattern).startswith("^cp/"):
                view = pattern.callback
                for method in getattr(view, "actions", None) or {}:
                    if (action := _viewset_action(view, method.upper())) is not None:
                        found.add(action)

    walk(get_resolver().url_patterns)
    return found


def admin_actions() -> set[str]:
    names = set()
    for tracked in settings.AUDITLOG_INCLUDE_TRACKING_MODELS:
        model = tracked["model"].split(".")[1]
        snake = {"partnerkey": "partner_key"}.get(model, model)
        names |= {f"{snake}.{verb}" for verb in ADMIN_VERBS}
    return names


def test_every_error_code_is_in_the_error_table_with_its_status():
    rows = set(re.findall(r"^\| (\d{3}) \| `([a-z_]+)` \|", guide(), re.MULTILINE))

    missing = sorted(
        f"{status} {code}"
        for code, status in STATUS_BY_CODE.items()
        if (str(status), code) not in rows
    )

    assert len(STATUS_BY_CODE) >= 30
    assert missing == []
    assert {code for _, code in rows} <= set(STATUS_BY_CODE), "a row for a code that is no more"


def test_every_audit_action_the_code_writes_is_in_the_guide():
    named = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", guide()))
    actions = written_actions() | route_actions() | admin_actions()

    assert {"org.create", "auth.failed", "partner_key.leaked", "audit.prune"} <= actions
    assert len(actions) >= 40
    assert sorted(actions - named) == []


def test_the_example_key_has_the_format_but_not_a_valid_checksum():
    shown = set(re.findall(r"mol_pk_[0-9A-Za-z]{49}(?![0-9A-Za-z])", guide()))

    assert shown, "the guide shows what a key looks like"
    for key in shown:
        assert len(key) == tokens.TOKEN_LENGTH and not tokens.is_well_formed(key)
        assert f"`{tokens.hint(key)}`" in guide(), "its hint, as listings show it"


def test_the_ci_snippets_call_the_ci_example_with_the_key_from_a_secret():
    snippets = [yaml.safe_load(b.code) for b in blocks() if b.language == "yaml"]
    github = next(s for s in snippets if "jobs" in s)
    gitlab = next(s for s in snippets if "integration" in s and "script" in s["integration"])

    (step,) = [s for s in github["jobs"]["integration"]["steps"] if "run" in s]
    assert step["run"].split()[0] == "./examples/ci_test_org.sh"
    assert step["env"]["CP_KEY"] == "${{ secrets.MOLECULE_CI_KEY }}"
    (line,) = gitlab["integration"]["script"]
    assert line == 'CP_KEY="$MOLECULE_CI_KEY" ./examples/ci_test_org.sh'
    assert "jq" in " ".join(gitlab["integration"]["before_script"])
    assert Path(ROOT / "examples" / "ci_test_org.sh").exists()


def test_every_link_of_the_guide_to_the_repository_resolves():
    targets = re.findall(r"\]\((\.\./[^)#]+)\)", guide())

    assert targets
    missing = [t for t in targets if not (GUIDE.parent / t).resolve().exists()]
    assert set(missing) <= {"../openapi.json"}  # committed by the OpenAPI work
