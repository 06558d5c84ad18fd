"""The dashboard's web server (standard library only): the page's static files and a small read-only JSON API.

GET /                                    the page (static/index.html, app.js, app.css)
GET /api/experiments                     [{name, state, num_trials, last_update}]
GET /api/experiment?exp=N&since=V        summary + the trials changed after version V
GET /api/trial?exp=N&id=T                one trial in full: config, results, traceback, files
GET /api/file?exp=N&id=T&name=F          one file of the trial's folder, as text

Everything else is refused: nothing is ever written. The server binds 127.0.0.1 unless told otherwise and then
also refuses requests whose Host is not a loopback name (a web page elsewhere cannot read it by DNS rebinding).
"""
from __future__ import annotations

import json
import mimetypes
import os
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import AsktellValueError
from .feed import FolderFeeds

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class DashboardServer(ThreadingHTTPServer):
    """Serves the dashboard of `path` (an experiment folder or a folder of them) on `host:port` (0: a free port).

    Args:
        path: the experiment folder, or a storage folder whose sub-folders are experiments.
        host: the address to bind; 127.0.0.1 by default (only this machine can connect).
        port: the port; 0 picks a free one (see `url`).

    ```
    server = DashboardServer("~/hpo_results", port=0)
    print(server.url); server.serve_forever()
    ```
    """

    daemon_threads = True

    def __init__(self, path: str | os.PathLike, *, host: str = "127.0.0.1", port: int = 8265):
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise AsktellValueError(f"`port` must be an int in [0, 65535], but got {port!r}")
        folder = os.path.expanduser(os.fspath(path))
        if not os.path.isdir(folder):
            raise AsktellValueError(f"`path={os.fspath(path)!r}` is not a folder")
        self.feeds = FolderFeeds(folder)
        self.loopback_only = host in LOOPBACK
        super().__init__((host, port), DashboardHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"

    def start_in_thread(self) -> threading.Thread:
        """Serve from a daemon thread (tests, notebooks); `shutdown()` stops it."""
        thread = threading.Thread(target=self.serve_forever, name="asktell-dashboard", daemon=True)
        thread.start()
        return thread


class DashboardHandler(BaseHTTPRequestHandler):
    server: DashboardServer
    server_version = "asktell-dashboard"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a request per second per page: not worth a line each

    def do_GET(self) -> None:
        if not self._host_allowed():
            self._send(HTTPStatus.FORBIDDEN, b"forbidden host", "text/plain")
            return
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        route = _ROUTES.get(url.path)
        if route is not None:
            route(self, query)
        else:
            self._static(url.path)

    def do_POST(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"read-only", "text/plain")

    do_PUT = do_DELETE = do_PATCH = do_POST

    # --- routes ------------------------------------------------------------------------------------------------
    def _experiments(self, query: dict[str, str]) -> None:
        self._json({"path": self.server.feeds.path, "experiments": self.server.feeds.listing()})

    def _experiment(self, query: dict[str, str]) -> None:
        feed = self.server.feeds.feed(query.get("exp", ""))
        if feed is None:
            self._json({"error": "no such experiment"}, HTTPStatus.NOT_FOUND)
            return
        try:
            since = int(query.get("since", "0"))
        except ValueError:
            since = 0
        self._json(feed.changes(since=max(since, 0) if since <= feed.version else 0))

    def _trial(self, query: dict[str, str]) -> None:
        feed = self.server.feeds.feed(query.get("exp", ""))
        detail = feed.trial_detail(query.get("id", "")) if feed is not None else None
        if detail is None:
            self._json({"error": "no such trial"}, HTTPStatus.NOT_FOUND)
            return
        self._json(detail)

    def _file(self, query: dict[str, str]) -> None:
        feed = self.server.feeds.feed(query.get("exp", ""))
        data = feed.trial_file(query.get("id", ""), query.get("name", "")) if feed is not None else None
        if data is None:
            self._send(HTTPStatus.NOT_FOUND, b"no such file", "text/plain")
            return
        self._send(HTTPStatus.OK, data, "text/plain; charset=utf-8")  # never rendered as HTML

    def _static(self, path: str) -> None:
        name = "index.html" if path in ("/", "/index.html") else path.lstrip("/")
        if name not in _static_files():
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
            return
        with open(os.path.join(STATIC, name), "rb") as handle:
            data = handle.read()
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self._send(HTTPStatus.OK, data, kind + ("; charset=utf-8" if kind.startswith("text/") or "javascript" in kind
                                                else ""))

    # --- plumbing ----------------------------------------------------------------------------------------------
    def _host_allowed(self) -> bool:
        if not self.server.loopback_only:
            return True
        host = self.headers.get("Host", "")
        name = host.rsplit("]", 1)[0].lstrip("[") if host.startswith("[") else host.split(":")[0]
        return name in LOOPBACK

    def _json(self, payload: Any, status: HTTPStatus = HTTPStatus.OK) -> None:
        data = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("utf-8")
        self._send(status, data, "application/json")

    def _send(self, status: HTTPStatus, data: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for key, value in SECURITY_HEADERS.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


_ROUTES = {
    "/api/experiments": DashboardHandler._experiments,
    "/api/experiment": DashboardHandler._experiment,
    "/api/trial": DashboardHandler._trial,
    "/api/file": DashboardHandler._file,
}


def _static_files() -> set[str]:
    return {name for name in os.listdir(STATIC) if not name.startswith(".")}
