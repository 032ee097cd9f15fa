"""What each helpdesk sends: fixtures, signatures computed the way each sender computes them,
and a fake Zendesk API on loopback. Written from the vendors' docs, independent of app code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture(provider: str, name: str) -> bytes:
    return (FIXTURES / provider / name).read_bytes()


def zendesk_headers(secret: str, body: bytes, invocation_id: str | None = None, stamp: str | None = None) -> dict:
    stamp = stamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()).decode()
    headers = {
        "X-Zendesk-Webhook-Signature": signature,
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
        "Content-Type": "application/json",
        "User-Agent": "Zendesk Webhook",
    }
    if invocation_id:
        headers["X-Zendesk-Webhook-Invocation-Id"] = invocation_id
        headers["X-Zendesk-Webhook-Id"] = "01HQ5Y6W8Z"
    return headers


def helpscout_headers(secret: str, body: bytes, event: str = "convo.status") -> dict:
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha1).digest()).decode()
    return {"X-HelpScout-Signature": signature, "X-HelpScout-Event": event, "Content-Type": "application/json"}


def intercom_headers(secret: str, body: bytes) -> dict:
    return {
        "X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest(),
        "Content-Type": "application/json",
        "User-Agent": "intercom-parrot-service-client/1.0",
    }


def front_headers(secret: str, body: bytes, challenge: str | None = None) -> dict:
    stamp = str(int(time.time() * 1000))
    signature = base64.b64encode(
        hmac.new(secret.encode(), stamp.encode() + b":" + body, hashlib.sha256).digest()
    ).decode()
    headers = {"X-Front-Signature": signature, "X-Front-Request-Timestamp": stamp, "Content-Type": "application/json"}
    if challenge:
        headers["X-Front-Challenge"] = challenge
    return headers


def secret_header(secret: str) -> dict:
    """Freshdesk and Gorgias: a custom header the admin configures."""
    return {"X-Afterword-Secret": secret, "Content-Type": "application/json"}


def basic_auth(secret: str) -> dict:
    token = base64.b64encode(f"afterword:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Content-Type": "application/json"}


def render_template(template: str, values: dict[str, str]) -> bytes:
    """Fill `{{placeholder}}`s the way a helpdesk does: plain text into the JSON string."""

    def fill(match: re.Match) -> str:
        key = match.group(1).strip()
        value = values.get(key, "")
        return json.dumps(value)[1:-1]  # the helpdesk's text, kept valid inside the JSON string

    return re.sub(r"\{\{\s*(.+?)\s*\}\}", fill, template).encode()


class FakeZendesk:
    """A loopback stand-in for the three Zendesk API endpoints the worker calls."""

    def __init__(self, fail_first: int = 0):
        self.requests: list[tuple[str, str]] = []
        self.fail_first = fail_first
        users = json.loads(fixture("zendesk", "api_users_show_many.json"))
        self.routes = {
            "/api/v2/groups/8447320466430.json": json.loads(fixture("zendesk", "api_group.json")),
            "/api/v2/tickets/5158/metrics.json": json.loads(fixture("zendesk", "api_ticket_metrics.json")),
        }
        self.users = {str(u["id"]): u for u in users["users"]}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake.requests.append((self.path, self.headers.get("Authorization", "")))
                if fake.fail_first > 0:
                    fake.fail_first -= 1
                    return self._send(503, {"error": "unavailable"})
                path, _, query = self.path.partition("?")
                if path == "/api/v2/users/show_many.json":
                    ids = query.partition("ids=")[2].split(",")
                    return self._send(200, {"users": [fake.users[i] for i in ids if i in fake.users]})
                if path in fake.routes:
                    return self._send(200, fake.routes[path])
                return self._send(404, {"error": "RecordNotFound"})

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
