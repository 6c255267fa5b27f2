"""A Discord-like webhook on 127.0.0.1 for tests: records what it is sent, answers as told.
With another path and default reply, it stands in for Apprise's json:// and ntfy:// receivers too."""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WEBHOOK_TOKEN = "s3cr3t-webhook-token_DO-NOT-LOG"


@dataclass(frozen=True)
class Received:
    path: str
    json: object


@dataclass(frozen=True)
class Reply:
    status: int = 204
    json: object = None
    hang: bool = False
    trickle: bool = False  # a 200 whose body comes one byte every TRICKLE_SECONDS, until the server closes


TRICKLE_SECONDS = 0.2


class WebhookServer:
    """A Discord-like webhook on 127.0.0.1 (ephemeral port) that records what it is sent.

    It answers 204 unless told otherwise with reply(): `reply(Reply(429, {"retry_after": 0.01}))`,
    `reply(Reply(500))`, `reply(Reply(hang=True))` (holds the request until the server closes),
    `reply(Reply(trickle=True))`. Replies are used in order, one per request, then `default`.
    close() makes the port refuse connections.
    """

    def __init__(self, default: Reply | None = None):
        self._default = default or Reply()
        self.received: list[Received] = []
        self._replies: list[Reply] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._release_hung = threading.Event()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._http.daemon_threads = True
        # A short poll interval lets close() return at once instead of after 0.5 s.
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()
        self._closed = False
        host, port = self._http.server_address[:2]
        self.address = f"{host}:{port}"
        self.url = f"http://{host}:{port}/api/webhooks/123456789/{WEBHOOK_TOKEN}"
        self.token = WEBHOOK_TOKEN

    def reply(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def wait_for(self, matches, guard: float = 300) -> Received:
        """The first message received that `matches`, waiting for it; after `guard` seconds
        (only a guard: nothing depends on it), an AssertionError with what did arrive."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: any(matches(r) for r in self.received), guard):
                raise AssertionError(f"no matching message in {guard} s; received: {self.received}")
            return next(r for r in self.received if matches(r))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._release_hung.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()

    def _next_reply(self, received: Received) -> Reply:
        with self._lock:
            self.received.append(received)
            self._arrived.notify_all()
            return self._replies.pop(0) if self._replies else self._default

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                reply = server._next_reply(Received(self.path, json.loads(body) if body else None))
                if reply.hang:
                    server._release_hung.wait()
                    return
                if reply.trickle:
                    self.send_response(200)
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                    while not server._release_hung.wait(TRICKLE_SECONDS):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    return
                payload = b"" if reply.json is None else json.dumps(reply.json).encode()
                self.send_response(reply.status)
                if payload:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format, *args):  # keep test output quiet
                pass

        return Handler
