"""Customers' personal data out of the logs of Rasa and the action server.

Our own code logs no bodies and no customer text, but libraries do: Rasa logs a
failed action server's answer (``ClientResponseError: ... body='...'``, which from
rasa-sdk's own error handler is the whole tracker: names, numbers, postcodes, the
customer's words), and SQLAlchemy errors (Rasa's SQL tracker store) carry their
statement's parameters. ``install`` wraps the process's log-record factory, so every
record from any logger, and its traceback, is redacted before a handler sees it:
those bodies go whole, and what still looks like a postcode, a phone number, an
account number or an e-mail address is masked. Python warnings go through logging
too (Rasa warns with the customer's message when it can't parse a "/intent{...}"
text; that warning is dropped, since its whole point is the customer's words).

Installed by bot/channels.py (Rasa imports it at start-up, before any conversation)
and by bot/actions/server.py.
"""

import logging
import re
import warnings

REDACTED = "<redacted>"
_BODIES = [  # each to the end of its line (a repr: the body's own newlines are escaped)
    re.compile(r"(body=).*"),  # rasa.utils.endpoints.ClientResponseError
    re.compile(r"(\[parameters: ).*"),  # sqlalchemy.exc.StatementError
    # The customer's message in a JSON log line, to its closing quote (Rasa's channels
    # log it whole when a message fails: "rest.message.received.failure").
    re.compile(r'("text": ")(?:[^"\\]|\\.)*(?=")'),
]
# Where a shape may begin: a word boundary, or just after a JSON escape ("\u000e",
# "\n"), whose last character is a letter or digit and so hides the boundary.
_START = r"(?:(?<![\w+])|(?<=\\u[0-9a-fA-F]{4})|(?<=\\[nrtbf]))"
_SHAPES = [
    re.compile(_START + r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.I),  # UK postcode
    re.compile(_START + r"(?:\+44\s?(?:\(0\)\s?)?|0)\d(?:[\s-]?\d){8,9}(?!\w)"),  # UK phone
    re.compile(_START + r"FG\s?\d{6}\b", re.I),  # account number
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail address
]
_FORMATTER = logging.Formatter()
# Warnings that quote what the customer typed (rasa.shared.nlu.interpreter's
# "/intent{...}" parser, for any message that starts with a slash).
_QUOTING_WARNINGS = [r"Failed to parse arguments in line"]


def redact(text: str) -> str:
    for body in _BODIES:
        text = body.sub(lambda match: match[1] + REDACTED, text)
    for shape in _SHAPES:
        text = shape.sub(REDACTED, text)
    return text


def _redacted(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 (a malformed call; logging reports it when it formats)
        return record
    record.msg, record.args = redact(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
    return record


def install() -> None:
    """Redact every log record this process makes from now on, warnings included
    (once per process)."""
    for message in _QUOTING_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    logging.captureWarnings(True)
    make = logging.getLogRecordFactory()
    if getattr(make, "redacting", False):
        return

    def make_redacted(*args: object, **kwargs: object) -> logging.LogRecord:
        return _redacted(make(*args, **kwargs))

    make_redacted.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_redacted)
