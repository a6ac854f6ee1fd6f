"""A durable outbox for case submissions the case service could not take.

Each pending submission is one JSON file named by its idempotency key, written
atomically (temporary file, fsync, rename), so a crash never leaves half a
record and a doubled submission is one file. The courier delivers them once the
service answers; the service's idempotency key makes a repeated delivery return
the same case, so delivery is exactly once even if the courier dies mid-way.
A submission the service refuses (4xx) moves to ``rejected/`` with the reason:
kept for staff, never retried, never lost.
"""

import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any

from bot.actions.backend import CaseService, NotVerified, Rejected, Unavailable

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "var" / "outbox"


class Outbox:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(os.environ.get("FOCUS_OUTBOX_DIR", DEFAULT_DIR))

    def _path(self, key: str, sub: str = "") -> Path:
        return self.folder / sub / f"{key}.json"

    def put(self, key: str, case: dict[str, Any]) -> None:
        """Keep a submission until it is delivered (same key: same file)."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        with open(temporary, "w") as handle:
            json.dump({"key": key, "case": case}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)

    def pending(self) -> list[dict[str, Any]]:
        if not self.folder.exists():
            return []
        files = sorted(self.folder.glob("*.json"), key=lambda path: path.stat().st_mtime)
        return [json.loads(path.read_text()) for path in files]

    def rejected(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in (self.folder / "rejected").glob("*.json")]

    async def deliver(self, service: CaseService) -> int:
        """Deliver what is pending, oldest first; stop at the first outage."""
        delivered = 0
        for entry in self.pending():
            try:
                case = await service.create_case(entry["case"], entry["key"])
            except Unavailable:
                break
            except (Rejected, NotVerified) as error:
                logger.warning("outbox: the case service refused %s: %s", entry["key"], error)
                target = self._path(entry["key"], "rejected")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps({**entry, "reason": str(error)}))
                self._path(entry["key"]).unlink()
                continue
            self._path(entry["key"]).unlink()
            delivered += 1
            logger.info("outbox: delivered %s as %s", entry["key"], case.get("reference"))
        return delivered


async def courier(outbox: Outbox, service: CaseService, every: float = 5.0) -> None:
    """Deliver pending submissions until cancelled (runs in the action server)."""
    while True:
        try:
            await outbox.deliver(service)
        except Exception:  # the courier must outlive any single bad delivery
            logger.exception("outbox: delivery round failed")
        await asyncio.sleep(every)
