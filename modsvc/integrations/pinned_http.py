"""One HTTP(S) POST to addresses checked beforehand, never to whatever the host name resolves to next.

The connection goes to a given IP address, while the request keeps the URL's host name: in the Host header, and
for HTTPS in SNI and the certificate check. No proxy, no redirects (a 3xx is an answer like any other). After
connecting, the peer address is checked once more, so a change here cannot silently bypass the policy.
"""
from __future__ import annotations

import http.client
import socket
import ssl
from typing import Callable

from .webhook_address import AddressNotAllowed, WebhookTarget

MAX_RESPONSE_BYTES = 64 * 1024


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: WebhookTarget, address: str, timeout: float,
                 peer_ok: Callable[[str], bool]) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address
        self._peer_ok = peer_ok

    def _open_socket(self) -> socket.socket:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        peer = sock.getpeername()[0]
        if not self._peer_ok(peer):
            sock.close()
            raise AddressNotAllowed(f"connected to {peer}, which is not allowed")
        return sock

    def connect(self) -> None:
        self.sock = self._open_socket()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        context = ssl.create_default_context()  # verifies the certificate against the URL's host name
        self.sock = context.wrap_socket(self._open_socket(), server_hostname=self.host)


def post(target: WebhookTarget, addresses: list[str], body: bytes, headers: dict[str, str], timeout: float,
         peer_ok: Callable[[str], bool]) -> tuple[int, str]:
    """(status, reason phrase) of the response. Tries the addresses in order until one connects (OSError if
    none does); a TLS failure or a peer that is not allowed ends the attempt."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    last_error: OSError | None = None
    for address in addresses:
        connection = connection_class(target, address, timeout, peer_ok)
        try:
            connection.connect()
        except AddressNotAllowed:
            connection.close()
            raise
        except ssl.SSLError:
            connection.close()
            raise
        except OSError as exc:  # this address does not answer: the next one may
            connection.close()
            last_error = exc
            continue
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(MAX_RESPONSE_BYTES)
            return response.status, response.reason
        finally:
            connection.close()
    raise last_error or OSError("no address to connect to")
