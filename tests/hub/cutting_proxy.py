"""An HTTP proxy in front of the olah server that damages the first download of each generator file:
it either cuts the connection half-way through the body, or serves half the bytes under an honest-looking
shorter Content-Length (a truncated file the client cannot tell from a whole one). Later requests pass."""
from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class CuttingProxy:
    def __init__(self, upstream: str, *, mode: str) -> None:
        assert mode in ("cut", "truncate")
        self.upstream = urlsplit(upstream)
        self.mode = mode
        self.damaged: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> CuttingProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _should_damage(self, method: str, path: str) -> bool:
        with self._lock:
            if method == "GET" and path.endswith(".safetensors") and path not in self.damaged:
                self.damaged.append(path)
                return True
            return False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, headers=headers)
                resp = conn.getresponse()
                body = resp.read() if self.command != "HEAD" else b""
                damage = proxy._should_damage(self.command, self.path) and len(body) > 2
                if damage and proxy.mode == "truncate":
                    body = body[: len(body) // 2]
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                length = resp.getheader("Content-Length") if self.command == "HEAD" else str(len(body))
                self.send_header("Content-Length", length or "0")
                self.send_header("Connection", "close")
                self.end_headers()
                if damage and proxy.mode == "cut":
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(2)  # the connection drops mid-body
                    return
                self.wfile.write(body)
                conn.close()

            do_GET = do_HEAD = _forward

        return Handler
