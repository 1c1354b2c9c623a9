"""A local HTTP receiver for the webhook tests: started by the test on a free port of
127.0.0.1, it verifies each request's signature with the subscription's secret and
answers from a script of status codes (then 200)."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from apps.webhooks.signing import signature_verify


class Receiver:
    def __init__(self, *, answers=(), secret: str = "", redirect_to: str | None = None):
        self.answers = list(answers)
        self.secret = secret
        self.redirect_to = redirect_to
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.requests.append({
                        "path": self.path, "body": body, "json": json.loads(body), "headers": dict(self.headers),
                        "signed": signature_verify(secret=receiver.secret, header=self.headers.get("X-PMS-Signature", ""),
                                                   body=body, now=int(time.time())),
                        "status": status,
                    })
                self.send_response(302 if receiver.redirect_to else status)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
