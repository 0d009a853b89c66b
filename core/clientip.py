"""The caller's IP address, as audit records it and per-IP limits count it."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The caller's IP; X-Forwarded-For is believed only from proxies in CP_TRUSTED_PROXIES."""
    remote = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and remote in settings.CP_TRUSTED_PROXIES:
        # The right-most address not added by one of our proxies is the client.
        for hop in reversed([part.strip() for part in forwarded.split(",")]):
            if hop not in settings.CP_TRUSTED_PROXIES:
                return hop if _is_ip(hop) else remote
    return remote if _is_ip(remote) else None


def client_key(request: HttpRequest) -> str:
    """The client as per-IP limits count it: its IP, an IPv6 client as its whole /64."""
    ip = client_ip(request)
    if ip is None:
        return "unknown"
    if ":" in ip:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return ip


def _is_ip(value: str | None) -> bool:
    try:
        ipaddress.ip_address(value or "")
    except ValueError:
        return False
    return True
