"""The Django admin login is limited per client IP and per username, with a clear message."""

from __future__ import annotations

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
    assert 0 < int(refused["Retry-After"]) <= 60
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
