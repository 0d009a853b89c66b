"""`bootstrap_admin`: the first superuser from the environment or prompts; idempotent; strong."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.core.management.base import CommandError

from tests.live.server import ROOT

STRONG = "correct-horse-battery-staple-42"


@pytest.fixture
def admin_env(monkeypatch):
    for name in ["ADMIN_USERNAME", "ADMIN_EMAIL", "ADMIN_PASSWORD"]:
        monkeypatch.delenv(name, raising=False)

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch):
    """A person at a terminal typing `answers` (input) and `passwords` (getpass), in order."""

    def type_in(answers: list[str], passwords: list[str]) -> None:
        monkeypatch.setattr(sys, "stdin", Terminal())
        typed, secret = iter(answers), iter(passwords)
        monkeypatch.setattr("builtins.input", lambda prompt="": next(typed))
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(secret))

    return type_in


def test_it_creates_the_first_superuser_from_the_environment(db, admin_env, run_command):
    admin_env(ADMIN_USERNAME="ops", ADMIN_EMAIL="ops@example.com", ADMIN_PASSWORD=STRONG)

    out = run_command("bootstrap_admin", "--no-input")

    assert out.stdout.strip() == "Created superuser 'ops'. Sign in at /admin/."
    user = User.objects.get(username="ops")
    assert (user.is_superuser, user.is_staff, user.is_active) == (True, True, True)
    assert user.email == "ops@example.com"
    assert user.check_password(STRONG)
    assert STRONG not in out.stdout + out.stderr


def test_a_second_run_changes_nothing_and_succeeds(db, admin_env, run_command):
    admin_env(ADMIN_USERNAME="ops", ADMIN_PASSWORD=STRONG)
    run_command("bootstrap_admin", "--no-input")
    admin_env(ADMIN_PASSWORD="another-strong-passphrase-99")

    out = run_command("bootstrap_admin", "--no-input")

    assert "User 'ops' already exists: nothing changed" in out.stdout
    assert User.objects.get(username="ops").check_password(STRONG)
    assert User.objects.count() == 1


def test_reset_password_sets_the_new_one(db, admin_env, run_command):
    admin_env(ADMIN_USERNAME="ops", ADMIN_PASSWORD=STRONG)
    run_command("bootstrap_admin", "--no-input")
    admin_env(ADMIN_PASSWORD="another-strong-passphrase-99")

    out = run_command("bootstrap_admin", "--no-input", "--reset-password")

    assert out.stdout.strip() == "Password of 'ops' reset."
    assert User.objects.get(username="ops").check_password("another-strong-passphrase-99")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "This password is too short"),
        ("password123", "This password is too common"),
        ("83749283749283", "This password is entirely numeric"),
        ("ops-operator-x", "too similar to the username"),
    ],
)
def test_a_weak_password_is_refused_with_the_validators_reason(
    db, admin_env, run_command, password, reason
):
    admin_env(ADMIN_USERNAME="ops-operator", ADMIN_PASSWORD=password)

    with pytest.raises(CommandError, match=reason) as refused:
        run_command("bootstrap_admin", "--no-input")

    assert password not in str(refused.value)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("env", "missing"),
    [({}, "ADMIN_USERNAME"), ({"ADMIN_USERNAME": "ops"}, "ADMIN_PASSWORD")],
)
def test_without_a_terminal_missing_values_are_a_clear_error(
    db, admin_env, run_command, env, missing
):
    admin_env(**env)

    with pytest.raises(CommandError, match=f"set {missing}"):
        run_command("bootstrap_admin", "--no-input")

    assert not User.objects.exists()


def test_a_bad_username_or_email_is_refused(db, admin_env, run_command):
    admin_env(ADMIN_USERNAME="ops admin!", ADMIN_PASSWORD=STRONG)
    with pytest.raises(CommandError, match="Username refused"):
        run_command("bootstrap_admin", "--no-input")

    admin_env(ADMIN_USERNAME="ops", ADMIN_EMAIL="not-an-email")
    with pytest.raises(CommandError, match="Email refused"):
        run_command("bootstrap_admin", "--no-input")
    assert not User.objects.exists()


def test_at_a_terminal_it_asks_and_asks_again_after_a_weak_password(
    db, admin_env, run_command, terminal
):
    terminal(["ops", "ops@example.com"], ["short", "short", STRONG, "typo", STRONG, STRONG])

    out = run_command("bootstrap_admin")

    assert "Password refused: This password is too short" in out.stderr
    assert "The two passwords differ; try again." in out.stderr
    assert User.objects.get(username="ops").check_password(STRONG)


def test_the_command_runs_as_operators_run_it(tmp_path):
    """As in a deploy step: a fresh process, values from the environment, exit status 0 twice."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'boot.sqlite3'}",
        "ADMIN_USERNAME": "ops",
        "ADMIN_PASSWORD": STRONG,
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    for expected in ["Created superuser 'ops'.", "User 'ops' already exists"]:
        done = subprocess.run(
            [*manage, "bootstrap_admin", "--no-input"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert expected in done.stdout
