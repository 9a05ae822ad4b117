"""Webhooks cannot be aimed at the server's own network: internal, loopback, link-local, multicast, reserved and
cloud-metadata addresses are refused when the URL is saved and again at every delivery, on the very address that
is connected to (a DNS answer that changes between check and use gains nothing), unless
MODSVC_WEBHOOK_ALLOW_PRIVATE lets a range through. The delivery log and the admin form say only "destination refused:
not a public address or not reachable", for a refused address and a name that does not resolve alike."""
from __future__ import annotations

import socket
import ssl
import time

import pytest
from sqlalchemy import select
from test_admin_pages import _admin_client, _token
from test_webhooks import SECRET, Receiver, _deliveries, _store, _wait_status

from modsvc.models import Site

ALLOW = "MODSVC_WEBHOOK_ALLOW_PRIVATE"
HOOK_HOST = "hooks.example.test"  # a name only the fake DNS below knows
MISSING_HOST = "no-such-host.example.test"  # a name the fake DNS says does not exist
REFUSED = "destination refused: not a public address or not reachable"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setenv("MODSVC_WEBHOOK_RETRY_DELAYS", "0.1,0.1")
    monkeypatch.setenv("MODSVC_WEBHOOK_TIMEOUT", "0.5")
    monkeypatch.delenv(ALLOW, raising=False)


@pytest.fixture
def receivers():
    made = []

    def make(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def fake_dns(monkeypatch):
    """Answers for HOOK_HOST from a script (a list of address lists, one per look-up; the last repeats);
    every other name goes to the real resolver. Returns the list of answers given."""
    real = socket.getaddrinfo
    script: list[list[str]] = []
    given: list[list[str]] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host == MISSING_HOST:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if host != HOOK_HOST:
            return real(host, port, *args, **kwargs)
        answer = script.pop(0) if len(script) > 1 else script[0]
        given.append(answer)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, int(port))) for ip in answer]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return script, given


def _site(app, url=None, key="paper"):
    with app.extensions["modsvc.sessions"]() as session:
        site = Site(key=key, name=key, webhook_url=url, webhook_secret=SECRET)
        session.add(site)
        session.commit()
        return site.id


def _saved_url(app, site_id):
    with app.extensions["modsvc.sessions"]() as session:
        return session.get(Site, site_id).webhook_url


def _save(client, site_id, url):
    token = _token(client, "/admin/webhooks")
    client.post(f"/admin/webhooks/sites/{site_id}", data={"webhook_url": url, "csrf_token": token})
    return client.get("/admin/webhooks").get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://localhost:6379/",
    "http://[::1]:5432/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/",
    "http://[2002:7f00:1::1]/",
    "http://224.0.0.1/",
    "http://0.0.0.0:8000/",
    "http://240.0.0.1/",
    "http://100.100.100.200/latest/meta-data/",
    "http://example.org/hook\r\nX-Injected: 1",
    "http://example.org/ho ok",
    "http://user:secret@example.org/hook",
])
def test_the_admin_form_refuses_internal_addresses(api_app, url):
    site_id = _site(api_app)
    page = _save(_admin_client(api_app), site_id, url)
    assert "Webhook URL refused" in page
    assert _saved_url(api_app, site_id) is None


def test_the_allow_setting_lets_only_its_ranges_through(api_app, monkeypatch):
    monkeypatch.setenv(ALLOW, "10.0.0.0/8, 169.254.0.0/16")
    site_id = _site(api_app)
    client = _admin_client(api_app)
    assert "Webhook URL refused" not in _save(client, site_id, "http://10.1.2.3:8080/hook")
    assert _saved_url(api_app, site_id) == "http://10.1.2.3:8080/hook"
    for still_refused in ("http://192.168.1.5/hook", "http://127.0.0.1/hook",
                          "http://169.254.169.254/latest/meta-data/"):  # cloud metadata: never
        assert "Webhook URL refused" in _save(client, site_id, still_refused)
        assert _saved_url(api_app, site_id) == "http://10.1.2.3:8080/hook"


def test_a_bad_allow_setting_is_named_in_the_error(api_app, monkeypatch):
    monkeypatch.setenv(ALLOW, "10.0.0.0/8,not-a-network")
    site_id = _site(api_app)
    assert "MODSVC_WEBHOOK_ALLOW_PRIVATE" in _save(_admin_client(api_app), site_id, "http://10.1.2.3/hook")


def test_a_stored_internal_url_is_refused_at_delivery_and_the_log_says_only_that(api_app, receivers):
    """A URL saved before the check existed (or while the range was allowed): the delivery goes nowhere, and
    an open port and a closed one look the same in the log -- no port scanner."""
    hook = receivers()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    _site(api_app, hook.url, key="paper")
    _site(api_app, f"http://127.0.0.1:{closed_port}/", key="other")
    _store(api_app, "I will kill you", "c1")
    _store_in(api_app, "other", "I will kill you", "c2")
    rows = _wait_status(api_app, "failed")
    assert hook.requests == []
    assert [r.last_error for r in rows] == [REFUSED, REFUSED]
    assert all(r.attempts == 3 and r.last_status_code is None for r in rows)


def test_a_missing_name_and_a_private_address_read_the_same(api_app, fake_dns, caplog):
    """Whether an internal host name exists must not show: a name that does not resolve and one that is refused
    give the admin the same words, in the form and in the delivery log; only the server log says which."""
    caplog.set_level("WARNING")
    missing, private = f"http://{MISSING_HOST}/hook", "http://10.1.2.3/hook"
    site_id = _site(api_app)
    client = _admin_client(api_app)
    flashes = [_flash(_save(client, site_id, url)) for url in (missing, private)]
    assert flashes[0] == flashes[1] and REFUSED in flashes[0]
    assert _saved_url(api_app, site_id) is None

    _site(api_app, missing, key="other")
    _site(api_app, private, key="third")
    _store_in(api_app, "other", "I will kill you", "c1")
    _store_in(api_app, "third", "I will kill you", "c2")
    rows = _wait_status(api_app, "failed")
    assert [r.last_error for r in rows] == [REFUSED, REFUSED]
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert REFUSED in page and "resolve" not in page and "10.1.2.3 is" not in page
    server_log = caplog.text
    assert "could not be resolved" in server_log and "a private address" in server_log


def _flash(page):
    start = page.index("Webhook URL refused")
    return page[start:page.index("<", start)]


def test_delivery_connects_to_the_address_it_checked(api_app, receivers, fake_dns, monkeypatch):
    """DNS rebinding: the name answers the allowed address for one look-up and an internal one for the next.
    The delivery resolves once, checks, and connects to that address with the original Host header."""
    monkeypatch.setenv(ALLOW, "127.0.0.1/32")
    allowed, internal = _pair(receivers)
    script, given = fake_dns
    script.extend([["127.0.0.1"], ["127.0.0.2"], ["127.0.0.1"], ["127.0.0.2"]])
    _site(api_app, f"http://{HOOK_HOST}:{allowed.port}/hook")
    _store(api_app, "I will kill you", "c1")
    [row] = _wait_status(api_app, "delivered")
    assert internal.requests == [] and len(allowed.requests) == 1
    assert allowed.requests[0]["headers"]["Host"] == f"{HOOK_HOST}:{allowed.port}"
    assert len(given) == 1  # one look-up per attempt: nothing left to swap


def test_every_resolved_address_must_be_allowed(api_app, receivers, fake_dns, monkeypatch):
    monkeypatch.setenv(ALLOW, "127.0.0.1/32")
    allowed, internal = _pair(receivers)
    script, _given = fake_dns
    script.append(["127.0.0.1", "127.0.0.2"])
    _site(api_app, f"http://{HOOK_HOST}:{allowed.port}/hook")
    _store(api_app, "I will kill you", "c1")
    [row] = _wait_status(api_app, "failed")
    assert row.last_error == REFUSED
    assert allowed.requests == [] and internal.requests == []


def test_redirects_are_answers_not_detours(api_app, receivers, monkeypatch):
    monkeypatch.setenv(ALLOW, "127.0.0.1/32")
    internal = receivers(host="127.0.0.2")
    hook = receivers(plan=[("redirect", internal.url)] * 3)
    _site(api_app, hook.url)
    _store(api_app, "I will kill you", "c1")
    [row] = _wait_status(api_app, "failed")
    assert row.last_status_code == 302 and internal.requests == []


def test_https_delivery_verifies_the_certificate_of_the_original_name(api_app, receivers, fake_dns, monkeypatch,
                                                                     tmp_path):
    """Connected by address, but TLS still speaks to HOOK_HOST: SNI and certificate check use the name."""
    import trustme

    ca = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOOK_HOST).configure_cert(tls)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    monkeypatch.setenv(ALLOW, "127.0.0.1/32")
    script, _given = fake_dns
    script.append(["127.0.0.1"])
    hook = receivers(tls=tls)
    _site(api_app, f"https://{HOOK_HOST}:{hook.port}/hook")
    _store(api_app, "I will kill you", "c1")
    [row] = _wait_status(api_app, "delivered")
    assert len(hook.requests) == 1

    other = receivers(tls=_context_for(ca, "someone-else.test"))
    with api_app.extensions["modsvc.sessions"]() as session:
        session.scalar(select(Site)).webhook_url = f"https://{HOOK_HOST}:{other.port}/hook"
        session.commit()
    _store(api_app, "I will kill you again", "c2")
    deadline = time.time() + 10
    while time.time() < deadline and not any(r.status == "failed" for r in _deliveries(api_app)):
        time.sleep(0.05)
    failed = [r for r in _deliveries(api_app) if r.status == "failed"]
    assert failed and "CERTIFICATE_VERIFY_FAILED" in failed[0].last_error and other.requests == []


def _context_for(ca, name):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return context


def _pair(receivers):
    """(a receiver on 127.0.0.1, one on 127.0.0.2) on the same port, so one URL with a name fits both."""
    for _ in range(20):
        internal = receivers(host="127.0.0.2")
        try:
            return receivers(host="127.0.0.1", port=internal.port), internal
        except OSError:  # that port is taken on 127.0.0.1: pick another
            continue
    raise AssertionError("no port free on both 127.0.0.1 and 127.0.0.2")


def _store_in(app, site_key, text, ext_id):
    from api_helpers import make_key

    key = make_key(app, f"k-{site_key}-{ext_id}", site=site_key)
    response = app.test_client().post("/api/v1/score", headers={"X-API-Key": key},
                                      json={"store": True, "thread": "t1", "text": text, "id": ext_id})
    assert response.status_code == 200, response.get_json()
