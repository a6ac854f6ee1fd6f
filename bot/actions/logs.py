"""JSON log lines for the action server, in the case service's format.

A twin of backend/focus_cases/logs.py, kept alike on purpose: the two parts run in
separate environments (Python 3.10 and 3.12) and are deployed apart, so neither
imports the other; change both together.

Each line has ``time``, ``level``, ``logger``, ``message``, the ``request_id`` of the
action call being run (the server sets ``REQUEST_ID``; the case-service client passes
it on as X-Request-Id, so one id follows a turn through both) and any ``extra=
{"fields": {...}}``. An exception is written as its type and stack frames only: its
message can quote what a customer typed, so it never is.
"""

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import datetime, timezone

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
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
    """Every logger (ours, rasa-sdk's, Sanic's) and Python's warnings write JSON
    lines to stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.captureWarnings(True)
