"""JSON log lines: one object a line, with the id of the request being served.

Each line has ``time``, ``level``, ``logger``, ``message``, the ``request_id`` when a
request is being served (the middleware sets ``REQUEST_ID``) and any ``extra={"fields":
{...}}`` given. An exception is written as its type and stack frames only: its message
can quote a customer's words (a validation error, a driver error), so it never is.
Messages themselves carry ids and counts, never values a customer typed.
"""

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0]:
            entry["error"] = record.exc_info[0].__name__
            entry["stack"] = [
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(record.exc_info[2])
            ]
        return json.dumps(entry, default=str)


def configure(level: int = logging.INFO) -> None:
    """Every logger (ours, aiohttp's, SQLAlchemy's) and Python's warnings write JSON
    lines to stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.captureWarnings(True)
