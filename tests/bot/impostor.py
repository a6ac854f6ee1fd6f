"""A stand-in on the case service's port for the outage tests: slow or nonsense."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Impostor(ThreadingHTTPServer):
    """Something on the case service's port that answers every request with ``body``,
    after ``delay`` seconds."""

    daemon_threads = True

    def __init__(self, port: int, body: bytes, delay: float = 0.0) -> None:
        class Answer(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *_args: object) -> None:
                pass

        super().__init__(("127.0.0.1", port), Answer)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()
