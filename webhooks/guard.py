"""The SSRF guard: which URLs may receive webhooks, and which address a delivery connects to.

Checked when an endpoint is saved (for a quick answer) and again at every send, against the
addresses the host resolves to then; the delivery connects to the very address that was checked
(`address_for`), so a DNS answer that changes between check and connect cannot slip through.
`CP_WEBHOOK_ALLOW_HTTP` and `CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS` loosen it for development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from ipaddress import IPv4Address, IPv6Address
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

IPAddress = IPv4Address | IPv6Address

# Ranges Python's flags miss (or that hide another address) on the versions we support.
_ALSO_REFUSED = [
    ipaddress.ip_network(net)
    for net in ("0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "2001::/32")
]
_NAT64 = [ipaddress.ip_network(net) for net in ("64:ff9b::/96", "64:ff9b:1::/48")]


class URLRefused(Exception):
    """This URL may not receive webhooks; the message says why, for the partner."""


def _embedded_ipv4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64):
        return IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    """True for a globally routable unicast address: not private, loopback, link-local, multicast,
    reserved or unspecified, in IPv4 or IPv6 (an IPv6 form of an IPv4 address is judged as that)."""
    if isinstance(ip, IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public(embedded)
        if ip.is_site_local:
            return False
    if any(ip in net for net in _ALSO_REFUSED if net.version == ip.version):
        return False
    special = (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
    return ip.is_global and not special


def parse(url: str) -> SplitResult:
    """The URL's parts, if its scheme and shape may receive webhooks (no address check)."""
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.CP_WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        raise URLRefused("Webhook URLs must use https.")
    if not parts.hostname:
        raise URLRefused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise URLRefused("The URL must not contain credentials.")
    try:
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError as exc:
        raise URLRefused("The URL's port is not valid.") from exc
    return parts


def is_literal(host: str) -> bool:
    return _literal(host) is not None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _refuse_unless_public(ip: IPAddress, host: str) -> None:
    if not settings.CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS and not is_public(ip):
        shown = host if str(ip) == host else f"{host} ({ip})"
        raise URLRefused(
            f"{shown} is a private, loopback, link-local or otherwise non-public address."
        )


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to now (an IP literal is itself)."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise URLRefused(f"The host {host} does not resolve.") from exc
    found = [ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers]
    return list(dict.fromkeys(found))


def check_url(url: str) -> None:
    """Refuse a URL we would never send to: wrong scheme, credentials, a non-public address.

    A name that does not resolve (yet) is accepted here: sending checks again anyway.
    """
    parts = parse(url)
    host = parts.hostname or ""
    if settings.CP_WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        return
    if host == "localhost" or host.endswith(".localhost"):
        raise URLRefused(f"{host} is a loopback address.")
    try:
        addresses = resolve(host, parts.port or 443)
    except URLRefused:
        return
    for ip in addresses:
        _refuse_unless_public(ip, host)


def address_for(host: str, port: int) -> IPAddress:
    """The address to connect to: the host resolved now, every answer checked, the first taken."""
    addresses = resolve(host, port)
    for ip in addresses:
        _refuse_unless_public(ip, host)
    return addresses[0]
