"""Create the console's first superuser from ADMIN_USERNAME/ADMIN_EMAIL/ADMIN_PASSWORD or prompts.

Safe to run on every deploy: an existing user is left as it is (exit 0) unless --reset-password.
The password never comes from the command line (it would sit in the shell history and `ps`), and
Django's password validators judge it, as they do every password set in the admin.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

NOT_INTERACTIVE = (
    "{what} is needed: set {env} (see the README's configuration table), "
    "or run this command in a terminal to be asked."
)


class Command(BaseCommand):
    help = "Create the first admin superuser from ADMIN_USERNAME/_EMAIL/_PASSWORD or prompts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", help="Default: $ADMIN_USERNAME, else asked.")
        parser.add_argument("--email", help="Default: $ADMIN_EMAIL, else asked (may be empty).")
        parser.add_argument(
            "--no-input",
            dest="interactive",
            action="store_false",
            help="Never prompt: fail when a value is missing from the options and environment.",
        )
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="If the user exists, set its password (from $ADMIN_PASSWORD or a prompt).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.interactive = bool(options["interactive"])
        users = get_user_model()
        username = self._username(users, options["username"])
        user = users._default_manager.filter(**{users.USERNAME_FIELD: username}).first()
        if user is not None and not options["reset_password"]:
            self.stdout.write(
                f"User {username!r} already exists: nothing changed "
                "(--reset-password sets a new password)."
            )
            return
        if user is not None:
            user.set_password(self._password(user))
            user.save(update_fields=["password"])
            self.stdout.write(f"Password of {username!r} reset.")
            return
        email = self._email(options["email"])
        candidate = users(**{users.USERNAME_FIELD: username, "email": email})
        password = self._password(candidate)
        users._default_manager.create_superuser(username=username, email=email, password=password)
        self.stdout.write(f"Created superuser {username!r}. Sign in at /admin/.")

    def _require_terminal(self, what: str, env: str) -> None:
        if not self.interactive or not sys.stdin.isatty():
            raise CommandError(NOT_INTERACTIVE.format(what=what, env=env))

    def _ask(self, prompt: str, what: str, env: str) -> str:
        self._require_terminal(what, env)
        return input(prompt).strip()

    def _username(self, users: Any, given: str | None) -> str:
        username = (given or os.environ.get("ADMIN_USERNAME", "")).strip()
        if not username:
            username = self._ask("Username: ", "A username", "ADMIN_USERNAME")
        try:
            users._meta.get_field(users.USERNAME_FIELD).clean(username, None)
        except ValidationError as exc:
            raise CommandError(f"Username refused: {' '.join(exc.messages)}") from exc
        return username

    def _email(self, given: str | None) -> str:
        email = given if given is not None else os.environ.get("ADMIN_EMAIL")
        if email is None and self.interactive and sys.stdin.isatty():
            email = input("Email (optional): ")
        email = (email or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError as exc:
                raise CommandError(f"Email refused: {' '.join(exc.messages)}") from exc
        return email

    def _password(self, user: Any) -> str:
        password = os.environ.get("ADMIN_PASSWORD", "")
        from_env = bool(password)
        while True:
            if not from_env:
                self._require_terminal("A password", "ADMIN_PASSWORD")
                password = getpass.getpass("Password: ")
                if password != getpass.getpass("Password (again): "):
                    self.stderr.write("The two passwords differ; try again.")
                    continue
            try:
                validate_password(password, user)
                return password
            except ValidationError as exc:
                refusal = f"Password refused: {' '.join(exc.messages)}"
                if from_env:
                    raise CommandError(f"{refusal} (from ADMIN_PASSWORD)") from exc
                self.stderr.write(refusal)
