"""A real HTTP receiver on loopback for outbound calls (webhook endpoints, chat webhooks): it
records every request and answers from a script, e.g. 503 three times and then 200."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self):
        return json.loads(self.body)


class Receiver:
    def __init__(self, fail_first: int = 0, fail_status: int = 503, reply: bytes = b'{"ok":true}'):
        self.received: list[Received] = []
        # Set `hold` to keep replies waiting (a slow receiver) until `release` is set; `arrived`
        # is set when a request has been read.
        self.hold = False
        # Or a test's own rule: requests for which it returns True are refused (fail_status).
        self.fail_when = None
        self.release = threading.Event()
        self.arrived = threading.Event()
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.reply = reply
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with fake.lock:
                    fake.received.append(
                        Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    failing = fake.fail_first > 0
                    if failing:
                        fake.fail_first -= 1
                    elif fake.fail_when is not None:
                        failing = fake.fail_when(fake.received[-1])
                    holding = fake.hold
                fake.arrived.set()
                if holding:
                    fake.release.wait(60)
                status, data = (fake.fail_status, b"down for maintenance") if failing else (200, fake.reply)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PUT = _handle

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
