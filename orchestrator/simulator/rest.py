"""The simulated OCI REST API, for the tool's own oci SDK calls and for any OCI client.

A small HTTP server on 127.0.0.1 answers from the same cloud store the simulated Terraform
provider uses, in the API's wire format: the real paths and methods, camelCase JSON, OCI error
bodies, opc-request-id (the client's own id first) and Date headers, pagination with
opc-next-page, on HTTP/1.1 with keep-alive. Like OCI it authenticates each request
(rest_signing.py). Every request, routed or not, lands in the store's call log. This module is
the transport; rest_routes.py says which operation answers what, and the rest_<service>.py
modules answer.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from orchestrator.simulator.rest_protocol import ApiError, Refused, Request
from orchestrator.simulator.rest_routes import Route, methods_on, route_for
from orchestrator.simulator.rest_signing import BODY_METHODS, authenticate, key_fingerprint
from orchestrator.simulator.store import PLACEHOLDERS, CloudStore

# What the call log names a request no route serves.
UNROUTED = "Unrouted"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Keep-alive, as OCI's endpoints: every answer says its Content-Length.
    protocol_version = "HTTP/1.1"
    # An idle kept-alive connection is closed after this long.
    timeout = 60

    def setup(self) -> None:
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self) -> None:
        self.server.connections.discard(self.connection)
        super().finish()

    def __getattr__(self, name: str):
        # Every HTTP method reaches _handle: one no route serves gets OCI's JSON 405, not http.server's 501 page.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        body_bytes = self.rfile.read(int(self.headers.get("content-length") or 0))
        found = route_for(self.command, url.path)
        if found is None:
            self._unrouted(url.path)
        else:
            self._answer(*found, query=url.query, body_bytes=body_bytes)

    def _unrouted(self, path: str) -> None:
        allowed = methods_on(path)
        status, code, message = (
            (405, "MethodNotAllowed", f"Method {self.command} is not allowed on {path}")
            if allowed
            else (404, "NotAuthorizedOrNotFound", f"Authorization failed or requested resource not found: {path}.")
        )
        request_id = self.server.store.log_call(
            UNROUTED,
            method=self.command,
            path=path,
            status=status,
            client_request_id=self.headers.get("opc-request-id"),
        )
        self._send(
            status, {"code": code, "message": message}, request_id, {"allow": ", ".join(allowed)} if allowed else {}
        )

    def _answer(self, route: Route, params: tuple[str, ...], *, query: str, body_bytes: bytes) -> None:
        reply, status = None, 200
        try:
            authenticate(
                self.command, self.path, self.headers, body_bytes, self.server.key_id, self.server.api_public_key
            )
            body = _json_body(body_bytes) if self.command in BODY_METHODS else {}
            queried = {name: values[0] for name, values in parse_qs(query).items()}
            request = Request(queried, tuple(map(unquote, params)), body, self.headers, self.server.lifecycle_seconds)
            reply = route.answer(self.server.store, request)
            status = 204 if reply.body is None else 200
            fields = reply.log
        except Refused as error:
            body_out, fields, status = {"code": error.code, "message": error.message}, error.log, error.status
        except ApiError as error:
            body_out, fields, status = (
                {"code": error.code, "message": error.message},
                {"code": error.code},
                error.status,
            )
        request_id = self.server.store.log_call(
            route.op, status=status, **fields, client_request_id=self.headers.get("opc-request-id")
        )
        if reply is None:
            self._send(status, body_out, request_id)
        elif reply.drop_connection:
            self.close_connection = True
        else:
            self._send(status, reply.body, request_id, reply.headers)

    def _send(self, status: int, body: object, request_id: str, headers: dict[str, str] | None = None) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)  # adds the Date header
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("opc-request-id", request_id)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A request http.server cannot even parse: still OCI's JSON, logged, never an HTML page."""
        self.close_connection = True
        # http.server leaves an unparsed request at HTTP/0.9, which gets no headers at all.
        self.request_version = self.protocol_version
        request_id = self.server.store.log_call(UNROUTED, method=getattr(self, "command", None), status=code)
        self._send(
            code,
            {"code": "BadRequest" if code < 500 else "InternalError", "message": message or "Bad request"},
            request_id,
        )

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the store's call log is the record."""


def _json_body(raw: bytes) -> dict:
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "CannotParseRequest", "Could not parse the request body as JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "CannotParseRequest", "The request body must be a JSON object.")
    return body


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the connections of a burst of clients (they retry a second later).
    request_queue_size = 64

    def __init__(self, store: CloudStore, api_public_key: RSAPublicKey, port: int, lifecycle_seconds: float):
        # The open (kept-alive) connections, closed when the server stops (or fails to start).
        self.connections: set[socket.socket] = set()
        super().__init__(("127.0.0.1", port), _Handler)
        self.store = store
        self.api_public_key = api_public_key
        self.key_id = (store.snapshot()["tenancy_id"], PLACEHOLDERS["user_ocid"], key_fingerprint(api_public_key))
        self.lifecycle_seconds = lifecycle_seconds

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that hangs up mid-call (killed, timed out) is no fault of the server's: no traceback.
        if not isinstance(sys.exception(), ConnectionError | TimeoutError):
            super().handle_error(request, client_address)

    def server_close(self) -> None:
        super().server_close()
        for connection in self.connections.copy():
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class RestEndpoint:
    """The simulated REST API of one cloud store, running while the `with` block lasts.

    The API key is uploaded for the simulated user (PLACEHOLDERS["user_ocid"]) of the store's tenancy.
    Its launches stay PROVISIONING, and its terminations TERMINATING, for `lifecycle_seconds`
    (`simulate serve --provisioning-seconds`); the tool's own calls take none.
    """

    def __init__(self, store: CloudStore, api_public_key: RSAPublicKey, port: int = 0, lifecycle_seconds: float = 0):
        self._server = _Server(store, api_public_key, port, lifecycle_seconds)
        # A short poll keeps stop() quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="sim-oci-rest", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RestEndpoint:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """In the calling thread, until interrupted (simulate serve)."""
        try:
            self._server.serve_forever(0.05)
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> RestEndpoint:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
