"""Where webhooks may go: public addresses, plus the private ranges an operator allows.

A webhook URL is typed by an admin and fetched by the server, from inside its network. Unchecked it reaches cloud
metadata (169.254.169.254), Redis on localhost, a database on [::1], and the delivery log's "Connection refused"
becomes a port scanner. So every address a webhook host resolves to must be a global unicast address, unless it
lies in a network listed in MODSVC_WEBHOOK_ALLOW_PRIVATE (comma-separated, e.g. ``10.0.0.0/8,192.168.1.0/24``
for receivers on an internal network). Cloud metadata addresses and names are refused even then.

The check runs when the URL is saved (``check_webhook_url``: a clear error for the admin) and at every delivery
(``resolve_allowed``), whose caller connects to exactly the addresses checked here -- DNS may answer
differently a second time.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOW_ENV = "MODSVC_WEBHOOK_ALLOW_PRIVATE"
MAX_URL_CHARS = 2000

# Instance metadata services: credentials live there. Refused whatever the allow setting says.
METADATA_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
    "169.254.170.2/32",  # AWS ECS task metadata
    "fd00:ec2::254/128",  # AWS IMDS over IPv6
    "100.100.100.200/32",  # Alibaba Cloud
    "168.63.129.16/32",  # Azure WireServer (a public address, but the host's own agent)
))
METADATA_HOSTS = {"metadata", "metadata.google.internal", "metadata.goog", "instance-data",
                  "instance-data.ec2.internal"}
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


# All an admin learns of a destination that is refused or does not resolve: the same words for both, so the
# form and the delivery log cannot tell whether an internal name exists or which network it is in.
DESTINATION_REFUSED = "destination refused: not a public address or not reachable"


class WebhookAddressError(ValueError):
    """The URL cannot be used; the message is for the admin."""


class InvalidWebhookURL(WebhookAddressError):
    pass


class DestinationRefused(WebhookAddressError):
    """The host does not resolve, or resolves to an address webhooks may not reach. ``str()`` is the uniform
    DESTINATION_REFUSED; ``detail`` says which and why, for the server log only."""

    def __init__(self, detail: str) -> None:
        super().__init__(DESTINATION_REFUSED)
        self.detail = detail


class UnresolvableHost(DestinationRefused):
    pass


class AddressNotAllowed(DestinationRefused):
    pass


@dataclass(frozen=True)
class WebhookTarget:
    scheme: str  # http | https
    host: str  # ASCII host name (IDNA) or IP address, no brackets
    port: int
    path: str  # path and query, as sent in the request line


def parse_webhook_url(url: str) -> WebhookTarget:
    if not isinstance(url, str) or not url:
        raise InvalidWebhookURL("the URL is empty")
    if len(url) > MAX_URL_CHARS:
        raise InvalidWebhookURL(f"the URL is longer than {MAX_URL_CHARS} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise InvalidWebhookURL("the URL must not contain spaces, line breaks or other control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidWebhookURL("the URL must start with http:// or https://")
    if "@" in parts.netloc:
        raise InvalidWebhookURL("the URL must not contain a user name or password")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise InvalidWebhookURL("the URL's port is not a number from 1 to 65535") from None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidWebhookURL("the URL has no host")
    if not _is_ip_literal(host):
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidWebhookURL(f"{host!r} is not a valid host name") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return WebhookTarget(scheme, host, port, path)


def allowed_networks(raw: str | None = None) -> tuple:
    """The networks of MODSVC_WEBHOOK_ALLOW_PRIVATE; a ValueError naming the setting if one is not a network."""
    raw = os.environ.get(ALLOW_ENV, "") if raw is None else raw
    networks = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise WebhookAddressError(f"{ALLOW_ENV}: {part!r} is not an IP network (write e.g. 10.0.0.0/8)") from None
    return tuple(networks)


def refusal_reason(address: str, allowed: tuple = ()) -> str | None:
    """None if webhooks may connect to this address, else what kind of address it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    embedded = _embedded_ipv4(ip)
    if embedded is not None:  # ::ffff:a.b.c.d, 6to4, NAT64 reach that IPv4 address
        return refusal_reason(str(embedded), allowed)
    if any(ip in net for net in METADATA_NETWORKS):
        return "a cloud metadata address"
    if any(ip.version == net.version and ip in net for net in allowed):
        return None
    for kind, test in (("a loopback", ip.is_loopback), ("a link-local", ip.is_link_local),
                       ("an unspecified", ip.is_unspecified), ("a multicast", ip.is_multicast),
                       ("a private", ip.is_private), ("a reserved", ip.is_reserved),
                       ("a site-local", getattr(ip, "is_site_local", False)), ("a non-public", not ip.is_global)):
        if test:
            return f"{kind} address"
    return None


def resolve_allowed(target: WebhookTarget, allowed: tuple | None = None) -> list[str]:
    """Resolve the host once; every address must be allowed (a mixed answer is refused whole). The caller
    connects to these addresses, never to the name."""
    allowed = allowed_networks() if allowed is None else allowed
    if target.host.lower() in METADATA_HOSTS:
        raise AddressNotAllowed(f"{target.host} is a cloud metadata service (never allowed)")
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnresolvableHost(f"{target.host} could not be resolved ({getattr(exc, 'strerror', None) or exc})") \
            from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        reason = refusal_reason(address, allowed)
        if reason:
            hint = "never allowed" if "metadata" in reason else f"{ALLOW_ENV} can allow a private range"
            subject = f"{address} is" if _is_ip_literal(target.host) else f"{target.host} resolves to {address},"
            raise AddressNotAllowed(f"{subject} {reason} ({hint})")
    if not addresses:
        raise UnresolvableHost(f"{target.host} has no address")
    return addresses


def check_webhook_url(url: str) -> WebhookTarget:
    """What the admin form runs before saving: the URL parses and its host resolves to allowed addresses only."""
    target = parse_webhook_url(url)
    resolve_allowed(target)
    return target


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        return False


def _embedded_ipv4(ip) -> ipaddress.IPv4Address | None:
    if ip.version != 6:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None
