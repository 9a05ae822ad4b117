"""Webhooks through the operator's HTTP proxy: HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY, read as
urllib and requests read them (``urllib.request.getproxies`` and ``proxy_bypass``, lower- or upper-case names).

The destination is checked as without a proxy (webhook_address.resolve_allowed: its host must resolve, here too,
to allowed addresses only) before anything is sent; the connection then goes to the proxy, whatever its address:
the operator configured it. The proxy resolves the host name itself, so from there on its own egress policy
applies. http:// URLs are sent to the proxy as absolute URLs, https:// ones through a CONNECT tunnel (TLS, SNI and
the certificate check stay end to end with the URL's host). Only http:// proxies are supported; credentials in the
proxy URL are sent as Proxy-Authorization (Basic).
"""
from __future__ import annotations

import base64
import http.client
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies, proxy_bypass

from .webhook_address import InvalidWebhookURL, WebhookTarget

MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Proxy:
    host: str
    port: int
    authorization: str | None  # a Proxy-Authorization header value


def proxy_for(target: WebhookTarget) -> Proxy | None:
    """The proxy the environment names for this URL's scheme, or None (none set, or NO_PROXY covers the host)."""
    proxies = getproxies()
    url = proxies.get(target.scheme) or proxies.get("all")
    if not url or proxy_bypass(target.host):
        return None
    return parse_proxy_url(url)


def parse_proxy_url(url: str) -> Proxy:
    if "://" not in url:
        url = "http://" + url  # "proxy:3128", as requests reads it
    parts = urlsplit(url)
    if parts.scheme.lower() != "http":
        raise InvalidWebhookURL(f"the proxy {parts.scheme}://{parts.hostname} is not supported (only http:// proxies)")
    try:
        port = parts.port or 80
    except ValueError:
        raise InvalidWebhookURL("the proxy URL's port is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise InvalidWebhookURL("the proxy URL has no host")
    authorization = None
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode("utf-8")
        authorization = "Basic " + base64.b64encode(credentials).decode("ascii")
    return Proxy(parts.hostname, port, authorization)


def post(target: WebhookTarget, proxy: Proxy, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    """(status, reason phrase) of the response, through the proxy. No redirects are followed."""
    proxy_headers = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else {}
    if target.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            proxy.host, proxy.port, timeout=timeout, context=ssl.create_default_context())
        connection.set_tunnel(target.host, target.port, headers=proxy_headers)
        request_target, extra = target.path, {}
    else:
        connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=timeout)
        host = f"[{target.host}]" if ":" in target.host else target.host
        request_target, extra = f"http://{host}:{target.port}{target.path}", proxy_headers
    try:
        connection.request("POST", request_target, body=body, headers={**headers, **extra})
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return response.status, response.reason
    finally:
        connection.close()
