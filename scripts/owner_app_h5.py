"""Serve the owner app's H5 build and pass the API through to Django, on one origin.

The API has no CORS (the app is its only browser client), so the H5 build is served from
the origin that also answers ``/t/<tenant>/…``: this server sends those paths (and
``/static/``) to the Django server and answers everything else from
``miniprogram/dist/build/h5``. Standard library only.

    .venv/bin/python scripts/owner_app_h5.py                 # :8080 -> Django at :8000 (`make run`)
    .venv/bin/python scripts/owner_app_h5.py --port 8081 --api http://127.0.0.1:8000

Used by tests/owner_app and bench/owner_app.py (``serve()`` in a thread).
"""
from __future__ import annotations

import argparse
import http.client
import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
H5_DIR = ROOT / "miniprogram" / "dist" / "build" / "h5"
PROXIED = ("/t/", "/static/")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


def make_handler(api: str, root: Path):
    target = urlsplit(api)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 - quiet
            pass

        def handle(self):
            try:
                super().handle()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser went away (a reload, an aborted request)

        def _proxy(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
            headers["Host"] = target.netloc
            conn = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            finally:
                conn.close()
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _file(self) -> None:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            candidate = (root / path.lstrip("/")).resolve()
            if path in ("", "/") or not candidate.is_file() or root.resolve() not in candidate.parents:
                candidate = root / "index.html"
            if not candidate.is_file():
                self.send_error(404, "H5 build missing: npm run build:h5 in miniprogram/")
                return
            data = candidate.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", mimetypes.guess_type(candidate.name)[0] or "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            # Hashed assets can be cached; index.html is always revalidated.
            self.send_header("Cache-Control", "no-cache" if candidate.name == "index.html" else "max-age=31536000, immutable")
            self.end_headers()
            self.wfile.write(data)

        def _handle(self) -> None:
            if self.path.startswith(PROXIED):
                self._proxy()
            elif self.command in ("GET", "HEAD"):
                self._file()
            else:
                self.send_error(405)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

    return Handler


def serve(*, api: str, port: int = 0, root: Path = H5_DIR) -> tuple[ThreadingHTTPServer, str]:
    """Start serving in a daemon thread; returns the server and its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(api.rstrip("/"), root))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="the Django server (make run)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.api.rstrip("/"), H5_DIR))
    print(f"owner app (H5) at http://127.0.0.1:{args.port}/  ->  API {args.api}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
