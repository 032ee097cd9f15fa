"""POSTing to URLs a workspace gave us (webhook endpoints, chat webhooks, helpdesk APIs) without
letting them aim us at our own network.

A URL must be https and its host must resolve only to public addresses; the connection then goes
to the address that was checked (not to a second lookup, which a rebinding DNS server could answer
differently). OUTBOUND_ALLOW_LOCAL (development and tests) also allows http and local addresses,
so a receiver on 127.0.0.1 can be used. Redirects are not followed: a 3xx is the endpoint's answer.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

READ_LIMIT = 1024  # what is kept of a reply: enough to read an error, never a whole page


class UnsafeURL(ValueError):
    """The URL may not be called: wrong scheme, no host, or a local or reserved address."""


@dataclass(frozen=True)
class Reply:
    status: int
    head: bytes  # the first READ_LIMIT bytes of the body
    elapsed_ms: int


def check_url(url: str, allow_local: bool) -> SplitResult:
    """The URL's parts if its form is acceptable (the addresses are checked when it is called)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError:
        raise UnsafeURL("The URL is not valid.") from None
    schemes = ("https", "http") if allow_local else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeURL("The URL must use https.")
    if not parts.hostname:
        raise UnsafeURL("The URL has no host.")
    if parts.username or parts.password:
        raise UnsafeURL("Put credentials in the URL's path or query, not before the host.")
    host = parts.hostname.rstrip(".").lower()
    if not allow_local:
        if host == "localhost" or host.endswith(".localhost"):
            raise UnsafeURL("The URL's host is local.")
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:  # a name: its addresses are checked when it is called
            literal = None
        if literal is not None:
            _check_address(literal)
    return parts


def _check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if not address.is_global or address.is_multicast:
        raise UnsafeURL(f"The URL's host resolves to a local or reserved address ({address}).")


def resolve(host: str, port: int, allow_local: bool) -> str:
    """One address of `host` to connect to, every one of them checked unless local ones are allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"Could not resolve {host}: {exc.strerror}") from None
    addresses = [info[4][0] for info in infos]
    if not allow_local:
        for address in addresses:
            _check_address(ipaddress.ip_address(address.split("%")[0]))
    return addresses[0]


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_local: bool) -> Reply:
    """POST `body`; the reply's status and first bytes. Raises UnsafeURL, or OSError (refused,
    timed out, TLS) when there is no HTTP answer."""
    return send("POST", url, body, headers, timeout=timeout, allow_local=allow_local)


def send(method: str, url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_local: bool) -> Reply:
    """`post` with another method (a helpdesk's PUT)."""
    parts = check_url(url, allow_local)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = resolve(parts.hostname, port, allow_local)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if https:
        connection: http.client.HTTPConnection = _PinnedHTTPS(
            parts.hostname, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = _PinnedHTTP(parts.hostname, port, timeout=timeout)
    connection.address = address
    started = time.monotonic()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        head = response.read(READ_LIMIT)
        return Reply(response.status, head, int((time.monotonic() - started) * 1000))
    except http.client.HTTPException as exc:
        raise OSError(f"Not an HTTP answer: {exc.__class__.__name__}") from None
    finally:
        connection.close()


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address already checked; the Host header and TLS name stay the URL's host."""

    address: str

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout, self.source_address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(http.client.HTTPSConnection, _PinnedHTTP):
    # MRO: HTTPSConnection.connect calls super().connect(), which is _PinnedHTTP's, then wraps the
    # socket in TLS for the URL's host name (so the certificate is checked against the name).
    pass
