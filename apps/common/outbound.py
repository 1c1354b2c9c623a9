"""Outbound URLs (webhooks, iCal feeds) may not reach the PMS's own network (SSRF): no loopback,
private, link-local, multicast, reserved or unspecified address, whatever the host name
resolves to, and no redirect is followed (a 3xx is a failed attempt). Tests and a
development setup allow some hosts by ``PMS_OUTBOUND_ALLOWED_HOSTS`` (e.g. 127.0.0.1)."""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from apps.common.errors import DomainValidationError


def _refuse(message: str, field: str, code: str) -> DomainValidationError:
    return DomainValidationError(code, message, extra={"fields": {field: [message]}})


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_loopback or ip.is_private)


def url_check(url: str, *, code: str, field: str = "url") -> str:
    """``url`` if it may be called, else 400 ``webhook_url_not_allowed``: http(s) only, no
    credentials in it, and every address its host resolves to is public (or the host is in
    ``PMS_OUTBOUND_ALLOWED_HOSTS``). ``code``: the caller's (``webhook_url_not_allowed``,
    ``ical_url_not_allowed``). Checked when the URL is saved and again before each call
    (a host name may resolve elsewhere later)."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _refuse(_("Only http and https addresses."), field, code)
    if parts.username or parts.password:
        raise _refuse(_("No user name or password in the address."), field, code)
    host = parts.hostname
    if host in set(getattr(settings, "PMS_OUTBOUND_ALLOWED_HOSTS", ())):
        return url
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise _refuse(_("The host name does not resolve."), field, code) from None
    addresses = {info[4][0] for info in infos}
    if not addresses or not all(_public(a) for a in addresses):
        raise _refuse(_("The address points at a private, loopback or link-local network."), field, code)
    return url
