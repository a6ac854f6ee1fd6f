"""The log redaction Rasa and the action server install (bot/redaction.py): what a
library logs of a body, and anything shaped like personal data, never reaches a log."""

import io
import logging
import warnings
from collections.abc import Iterator

import pytest
from rasa.utils.endpoints import ClientResponseError
from sqlalchemy.exc import StatementError

from bot import redaction

NAME, PHONE, POSTCODE, ACCOUNT = "Perpetua Quillfeather", "07700 900461", "BN43 6ZZ", "FG004521"
TRACKER = (
    f'{{"error":"boom","request_body":{{"tracker":{{"slots":{{"contact_name":"{NAME}",'
    f'"contact_phone":"{PHONE}","postcode":"{POSTCODE}","account_number":"{ACCOUNT}"}}}}}}}}'
)


@pytest.fixture
def log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger writing to a string, with redaction installed (and removed after)."""
    factory = logging.getLogRecordFactory()
    redaction.install()
    redaction.install()  # a second install changes nothing
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("test_redaction")
    logger.addHandler(handler)
    yield logger, out
    logger.removeHandler(handler)
    logging.setLogRecordFactory(factory)


def test_a_failed_action_servers_answer_is_not_logged(log):
    logger, out = log
    try:
        try:
            raise ClientResponseError(500, "Internal Server Error", TRACKER.encode())
        except ClientResponseError as error:
            raise RuntimeError("Failed to execute custom action 'action_x'") from error
    except RuntimeError:
        logger.exception("Encountered an exception while running action '%s'", "action_x")
    logged = out.getvalue()
    assert "body=<redacted>" in logged and "Failed to execute custom action" in logged
    assert not [private for private in (NAME, PHONE, POSTCODE, ACCOUNT) if private in logged]


def test_sql_parameters_are_not_logged(log):
    logger, out = log
    error = StatementError("boom", "INSERT INTO events VALUES (?)", [(TRACKER,)], None)
    logger.error("cannot save the tracker: %s", error)
    assert "[parameters: <redacted>" in out.getvalue() and NAME not in out.getvalue()


@pytest.mark.parametrize(
    "private",
    [POSTCODE, "bn436zz", PHONE, "07700900461", "+44 7700 900461", "01273 123456", ACCOUNT,
     "fg 004521", "sam@example.co.uk"],
)  # fmt: skip
def test_what_looks_like_personal_data_is_masked(log, private):
    logger, out = log
    logger.warning("outbox: refused (%s is not valid)", private)
    assert out.getvalue() == "outbox: refused (<redacted> is not valid)\n"


@pytest.mark.parametrize("escape", ["\\u000e", "\\u007f", "\\n", "\\t"])
def test_shapes_after_a_json_escape_are_masked(log, escape):
    logger, out = log
    logger.warning('{"event": "x", "said": "%sBN43 6ZZ %sFG004521 %s07700900461"}', *[escape] * 3)
    assert out.getvalue() == (
        f'{{"event": "x", "said": "{escape}<redacted> {escape}<redacted> {escape}<redacted>"}}\n'
    )


def test_a_failed_messages_text_is_not_logged(log):
    """Rasa's REST channel logs the customer's whole message when handling it fails."""
    logger, out = log
    logger.error(
        '{"text": "I\'m Sam Jones, \\"urgent\\" \\u000e", "event": "rest.message.received.failure"}'
    )
    assert out.getvalue() == '{"text": "<redacted>", "event": "rest.message.received.failure"}\n'


def test_ordinary_lines_are_kept(log):
    logger, out = log
    line = (
        "2026-11-25 16:50:42 request_id=0a1b2c3d4e5f60718293a4b5c6d7e8f9"
        " path=/api/cases/FG-20261125 status=201 ms=12.5"
        " conversation 3f01234567890abc released 3 queued cases"
    )
    logger.warning(line)
    assert out.getvalue() == line + "\n"


def test_warnings_are_redacted_and_those_quoting_the_customer_dropped(log):
    _logger, out = log
    handler = logging.StreamHandler(out)
    logging.getLogger("py.warnings").addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")  # over pytest.ini's "ignore::UserWarning"
            logging.captureWarnings(False)  # pytest has swapped the hook an earlier test set
            redaction.install()
            quoting = f"Failed to parse arguments in line '/restart {NAME}'."
            warnings.warn(quoting, UserWarning, stacklevel=1)
            warnings.warn(f"an odd value near {POSTCODE}", UserWarning, stacklevel=1)
    finally:
        logging.getLogger("py.warnings").removeHandler(handler)
        logging.captureWarnings(False)
    written = out.getvalue()
    assert NAME not in written and POSTCODE not in written
    assert f"an odd value near {redaction.REDACTED}" in written
