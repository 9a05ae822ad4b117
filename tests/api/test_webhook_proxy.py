"""Webhooks honour the standard proxy settings (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) the way urllib and requests do,
and the SSRF check still applies to the destination: a private destination is refused before the proxy hears of
it, while the proxy itself (the operator's choice) may be on a private address. The proxy here is a real one: a
minimal forward proxy on loopback that records what it forwards."""
from __future__ import annotations

import http.client
import selectors
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from test_webhook_ssrf import HOOK_HOST, REFUSED, _site, fake_dns  # noqa: F401 (fake_dns is a fixture)
from test_webhooks import SECRET, Receiver, _store, _wait_status

from modsvc.integrations.webhooks import verify

ALLOW = "MODSVC_WEBHOOK_ALLOW_PRIVATE"
HOP_BY_HOP = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}


class ForwardProxy:
    """POST with an absolute URL is forwarded; CONNECT opens a tunnel. Every request is recorded."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                proxy.requests.append({"method": "POST", "target": self.path, "headers": dict(self.headers)})
                body = self.rfile.read(int(self.headers["Content-Length"]))
                url = urlsplit(self.path)
                upstream = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=5)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream.request("POST", url.path or "/", body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                self.send_response(answer.status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_CONNECT(self):  # noqa: N802
                proxy.requests.append({"method": "CONNECT", "target": self.path, "headers": dict(self.headers)})
                host, port = self.path.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)), timeout=5)
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                _pipe(self.connection, upstream)
                upstream.close()
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until one side closes (bounded by the sockets' timeouts)."""
    with selectors.DefaultSelector() as sel:
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        while True:
            events = sel.select(timeout=5)
            if not events:
                return
            for key, _ in events:
                data = key.fileobj.recv(65536)
                if not data:
                    return
                key.data.sendall(data)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setenv("MODSVC_WEBHOOK_RETRY_DELAYS", "0.1,0.1")
    monkeypatch.setenv("MODSVC_WEBHOOK_TIMEOUT", "2")
    monkeypatch.setenv(ALLOW, "127.0.0.2/32")  # the receivers; the proxy on 127.0.0.1 is not in the allowed range


@pytest.fixture
def proxy():
    p = ForwardProxy()
    yield p
    p.close()


@pytest.fixture
def receivers():
    made = []

    def make(**kwargs):
        made.append(Receiver(host="127.0.0.2", **kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_http_proxy_carries_the_delivery(api_app, proxy, receivers, monkeypatch):
    hook = receivers()
    monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("http://", "http://hooks:s%40cret@"))
    _site(api_app, hook.url)
    _store(api_app, "I will kill you", "c1")
    [row] = _wait_status(api_app, "delivered")
    [forwarded] = proxy.requests
    assert forwarded["method"] == "POST" and forwarded["target"] == hook.url
    assert forwarded["headers"]["Proxy-Authorization"] == "Basic aG9va3M6c0BjcmV0"  # hooks:s@cret
    [received] = hook.requests
    headers = received["headers"]
    assert verify(SECRET, headers["X-Modsvc-Timestamp"], received["body"], headers["X-Modsvc-Signature"])


def test_no_proxy_covering_the_host_goes_direct(api_app, proxy, receivers, monkeypatch):
    hook = receivers()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.2")
    _site(api_app, hook.url)
    _store(api_app, "I will kill you", "c1")
    _wait_status(api_app, "delivered")
    assert proxy.requests == [] and len(hook.requests) == 1


def test_a_private_destination_is_refused_with_a_proxy_too(api_app, proxy, receivers, monkeypatch):
    monkeypatch.delenv(ALLOW)
    hook = receivers()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    _site(api_app, hook.url)
    _store(api_app, "I will kill you", "c1")
    [row] = _wait_status(api_app, "failed")
    assert row.last_error == REFUSED
    assert proxy.requests == [] and hook.requests == []


def test_https_goes_through_a_connect_tunnel_with_the_certificate_checked_end_to_end(
        api_app, proxy, receivers, fake_dns, monkeypatch, tmp_path):  # noqa: F811
    import trustme

    ca = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOOK_HOST).configure_cert(tls)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    script, _given = fake_dns
    script.append(["127.0.0.2"])
    hook = receivers(tls=tls)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    _site(api_app, f"https://{HOOK_HOST}:{hook.port}/hook")
    _store(api_app, "I will kill you", "c1")
    _wait_status(api_app, "delivered")
    assert [(r["method"], r["target"]) for r in proxy.requests] == [("CONNECT", f"{HOOK_HOST}:{hook.port}")]
    assert len(hook.requests) == 1
