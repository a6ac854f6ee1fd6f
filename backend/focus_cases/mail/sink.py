"""A local SMTP sink for development and tests: accepts every message and writes it,
as received, to ``<folder>/<time>-<n>.eml``. `make run` starts one (scripts/stack.py);
nothing here is meant to face the internet.

    python -m focus_cases mail-sink --port 2525 --dir var/mail
"""

import itertools
import logging
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger("focus_cases.mail.sink")


class FolderHandler:
    """aiosmtpd handler: each message one .eml file in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self._numbers):05d}.eml"
        content = envelope.original_content or b""
        path.write_bytes(content)
        log.info("message of %d bytes written to %s", len(content), path.name)
        return "250 Message accepted for delivery"


def controller(folder: Path, host: str, port: int) -> Controller:
    """A sink on ``host``:``port`` in a thread of its own (``start()``, ``stop()``)."""
    return Controller(FolderHandler(folder), hostname=host, port=port)


def serve(folder: Path, host: str, port: int) -> None:
    """Run a sink in the foreground until interrupted."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's every connection
    sink = controller(folder, host, port)
    sink.start()
    print(f"mail sink on {host}:{port}, writing to {folder.resolve()}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()
