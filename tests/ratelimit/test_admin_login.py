"""The Django admin login is limited per client IP and per username (failed sign-ins, a sliding
window), with a clear message."""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings

LOGIN_URL = "/admin/login/"
MESSAGE = "Too many sign-in attempts from this address or for this username."

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("ops", "ops@example.com", "right-password")


def _login(client: Client, username: str, password: str, ip: str = "192.0.2.1"):
    return client.post(
        LOGIN_URL, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


@override_settings(ADMIN_LOGIN_USERNAME_RATE="3/m", ADMIN_LOGIN_IP_RATE="100/m")
def test_after_too_many_attempts_for_a_username_the_page_says_so_and_refuses(staff):
    client = Client()
    for n in range(3):
        wrong = _login(client, "ops", "wrong", ip=f"192.0.2.{n + 1}")
        assert wrong.status_code == 200
        assert "Please enter the correct username and password" in wrong.content.decode()

    refused = _login(client, "ops", "right-password", ip="192.0.2.99")

    page = refused.content.decode()
    assert refused.status_code == 429
    assert MESSAGE in page
    assert 'class="errornote"' in page
    assert 'name="username"' in page  # still the login page, ready for a later attempt
    assert 0 < int(refused["Retry-After"]) <= 120  # a sliding window: at most two periods
    assert "_auth_user_id" not in client.session


@override_settings(ADMIN_LOGIN_USERNAME_RATE="3/m", ADMIN_LOGIN_IP_RATE="100/m")
def test_the_username_limit_ignores_case(staff):
    client = Client()
    for name in ["ops", "OPS", "Ops"]:
        _login(client, name, "wrong")

    assert _login(client, "oPs", "right-password").status_code == 429


@override_settings(ADMIN_LOGIN_IP_RATE="3/m", ADMIN_LOGIN_USERNAME_RATE="100/m")
def test_after_too_many_attempts_from_one_ip_every_username_is_refused_there(staff):
    client = Client()
    for name in ["alice", "bob", "carol"]:
        _login(client, name, "guess", ip="198.51.100.5")

    refused = _login(client, "ops", "right-password", ip="198.51.100.5")
    elsewhere = _login(Client(), "ops", "right-password", ip="198.51.100.6")

    assert refused.status_code == 429
    assert MESSAGE in refused.content.decode()
    assert elsewhere.status_code == 302
    assert elsewhere["Location"] == "/admin/"


def test_within_the_limits_the_admin_signs_in_as_usual(staff):
    client = Client()

    response = _login(client, "ops", "right-password")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.get(LOGIN_URL).status_code == 302  # already signed in: to the index


@override_settings(ADMIN_LOGIN_USERNAME_RATE="1/m")
def test_admin_login_limits_do_not_spend_partner_key_budgets(staff, key_client):
    _, client = key_client(rate_limit="2/m")
    _login(Client(), "ops", "wrong")
    _login(Client(), "ops", "wrong")

    assert client.get("/cp/admin/partner-keys")["RateLimit"].startswith('"key";r=1;')


WRONG = "Please enter the correct username and password"


def _wait_until_window_offset(period: float, offset: float) -> None:
    """Sleep until `offset` seconds into a window of the limits' epoch-aligned clock."""
    time.sleep((offset - time.time() % period) % period)


@override_settings(ADMIN_LOGIN_USERNAME_RATE="5/4s", ADMIN_LOGIN_IP_RATE="100/m")
def test_wrong_passwords_bunched_across_a_window_boundary_are_still_limited(staff):
    _wait_until_window_offset(4, 3.5)  # 4 just before a window boundary, 4 just after it
    before = [_login(Client(), "ops", "wrong") for _ in range(4)]
    _wait_until_window_offset(4, 0.1)
    after = [_login(Client(), "ops", "wrong") for _ in range(4)]

    checked = [r for r in before + after if r.status_code == 200 and WRONG in r.content.decode()]
    refused = [r for r in before + after if r.status_code == 429]
    assert (len(checked), len(refused)) == (5, 3)  # a fixed window checked all 8


@override_settings(ADMIN_LOGIN_USERNAME_RATE="3/2s", ADMIN_LOGIN_IP_RATE="100/m")
def test_refused_attempts_do_not_count_so_the_right_password_works_once_the_lock_runs_out(staff):
    for _ in range(3):
        assert _login(Client(), "ops", "wrong").status_code == 200
    first = _login(Client(), "ops", "right-password")
    assert first.status_code == 429
    for _ in range(10):  # a guesser keeps knocking while the lock holds
        assert _login(Client(), "ops", "wrong").status_code == 429

    time.sleep(int(first["Retry-After"]))
    client = Client()
    signed_in = _login(client, "ops", "right-password")
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


@override_settings(ADMIN_LOGIN_USERNAME_RATE="3/m", ADMIN_LOGIN_IP_RATE="100/m")
def test_a_successful_sign_in_does_not_count_against_the_limit(staff):
    for _ in range(5):
        assert _login(Client(), "ops", "right-password").status_code == 302
    for _ in range(3):
        assert _login(Client(), "ops", "wrong").status_code == 200
    assert _login(Client(), "ops", "right-password").status_code == 429
