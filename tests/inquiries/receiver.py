"""An agency's webhook receiver: a real HTTP server that checks each request with the signature check
agencies are told to run (inquiries.webhooks.signature_check) and remembers what it got."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from inquiries.webhooks import signature_check


class Receiver:
    def __init__(self, secret: str = "", *, fail_first: int = 0):
        self.secret = secret
        self.fail_first = fail_first
        self.seen: set[tuple[str, str]] = set()
        self.accepted: list[dict] = []
        self.refused: list[str] = []
        self.raw: list[tuple[dict, bytes]] = []
        self.calls = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.calls += 1
                headers = {k: v for k, v in self.headers.items()}
                if receiver.calls <= receiver.fail_first:
                    self._answer(503)
                    return
                check = signature_check(
                    secret=receiver.secret, headers=self.headers, body=body, now=time.time(), seen=receiver.seen
                )
                if check.ok:
                    receiver.raw.append((headers, body))
                    receiver.accepted.append(json.loads(body))
                    self._answer(204)
                else:
                    receiver.refused.append(check.reason)
                    self._answer(409 if check.reason == "replayed" else 401)

            def _answer(self, code: int):
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
