"""The SSRF guard: public unicast addresses only, in IPv4, IPv6 and IPv6 forms of IPv4."""

from __future__ import annotations

import ipaddress

import pytest

from webhooks import guard

REFUSED = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.0.8",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "fec0::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2001:db8::1",  # documentation
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", REFUSED)
def test_a_non_public_address_is_not_public(address):
    assert not guard.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_unicast_address_is_public(address):
    assert guard.is_public(ipaddress.ip_address(address))


@pytest.fixture
def guard_on(settings):
    settings.CP_WEBHOOK_ALLOW_HTTP = False
    settings.CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://[fe80::1]:8443/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.7/hooks",
        "https://localhost/hooks",
        "https://hooks.localhost/hooks",
    ],
)
def test_a_private_address_is_refused_when_the_guard_is_on(guard_on, url):
    with pytest.raises(guard.URLRefused, match=r"non-public|loopback"):
        guard.check_url(url)


def test_a_name_that_resolves_to_a_private_address_is_refused_at_send_time(guard_on):
    with pytest.raises(guard.URLRefused, match=r"localhost \(127\.0\.0\.1|localhost \(::1"):
        guard.address_for("localhost", 443)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://93.184.215.14/hooks", "https"),
        ("ftp://93.184.215.14/hooks", "https"),
        ("https://user:pw@93.184.215.14/hooks", "credentials"),
        ("https://93.184.215.14:99999/hooks", "port"),
    ],
)
def test_plain_http_credentials_and_bad_ports_are_refused(guard_on, url, reason):
    with pytest.raises(guard.URLRefused, match=reason):
        guard.check_url(url)


def test_a_public_address_and_an_unresolvable_name_pass_the_check_at_creation(guard_on):
    guard.check_url("https://93.184.215.14/hooks")
    guard.check_url("https://[2606:4700:4700::1111]/hooks")
    guard.check_url("https://hooks.invalid/hooks")  # resolves later, or fails at send time


def test_the_send_time_check_picks_the_vetted_literal_address(guard_on):
    assert guard.address_for("93.184.215.14", 443) == ipaddress.ip_address("93.184.215.14")
    with pytest.raises(guard.URLRefused, match="does not resolve"):
        guard.address_for("hooks.invalid", 443)


def test_with_private_networks_allowed_loopback_passes(settings):
    settings.CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    guard.check_url("http://127.0.0.1:8080/hooks")
    assert guard.address_for("127.0.0.1", 8080) == ipaddress.ip_address("127.0.0.1")
