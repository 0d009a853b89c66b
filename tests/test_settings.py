"""Production settings: refuse to start without SECRET_KEY, and pass `check --deploy` cleanly."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT"}
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is false" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x" * 60 + "-production-like-secret-key-abcdefghijklmnop",
        ALLOWED_HOSTS="cp.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_an_unreadable_rate_setting_is_reported_by_the_check_framework():
    result = manage(
        "check", DEBUG="true", PARTNER_PLAN_RATES="enterprise=lots", CP_AUTH_FAILURE_RATE="0/m"
    )
    assert result.returncode != 0
    assert "cp.E001" in result.stderr
    assert "PARTNER_PLAN_RATES[enterprise]='lots' is not a rate." in result.stderr
    assert "CP_AUTH_FAILURE_RATE='0/m' is not a rate." in result.stderr


def test_the_deploy_check_warns_about_a_short_master_key():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x" * 60 + "-production-like-secret-key-abcdefghijklmnop",
        ALLOWED_HOSTS="cp.example.com",
        CP_ADMIN_MASTER_KEY="short-master-key",
    )
    assert result.returncode != 0
    assert "cp.W001" in result.stderr + result.stdout
    assert "CP_ADMIN_MASTER_KEY is 16 characters long." in result.stderr + result.stdout
