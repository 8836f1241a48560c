"""A real HTTP server on 127.0.0.1 that serves a folder like the SAS and injects faults.

Faults are queued per path and consumed one per request: ``"cut"`` (announce the full length,
send half, close), ``"500"``, ``"slow"`` (wait before answering). Files that do not exist get
404. Range requests are honoured (206 with Content-Range). Every request is logged.
"""
from __future__ import annotations

import http.server
import threading
import time
from collections import defaultdict
from pathlib import Path


class FaultyHandler(http.server.BaseHTTPRequestHandler):
    root: Path
    faults: dict
    log: list
    slow_s: float = 0.3

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        rel = self.path.lstrip("/")
        rng = self.headers.get("Range")
        fault = self.faults[rel].pop(0) if self.faults.get(rel) else None
        self.log.append((rel, rng, fault))
        path = self.root / rel
        if fault == "500":
            self.send_error(500, "injected failure")
            return
        if fault == "slow":
            time.sleep(self.slow_s)
        if not path.is_file():
            self.send_error(404, "not found")
            return
        data = path.read_bytes()
        start = 0
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if fault == "cut":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


class SASServer:
    """Context manager: ``with SASServer(root) as srv: srv.url, srv.faults[rel] = [...], srv.log``."""

    def __init__(self, root):
        self.faults = defaultdict(list)
        self.log = []
        handler = type("H", (FaultyHandler,), {"root": Path(root), "faults": self.faults, "log": self.log})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def __enter__(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
