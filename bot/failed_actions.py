"""Which custom actions could not be run in the turn being handled.

Rasa logs a custom action it could not run (the action server refused the connection,
answered 502 because it died answering, or timed out) and goes on without the action's
events, so the customer may be left with half an answer: "I'll log it for our team"
and no question after it. The channel (bot/channels.py) asks for the message again
when a turn had such a failure; this tells it. A form's rejection of a slot value is
not a failure: it is how a form asks again.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

_failed: ContextVar[list[str] | None] = ContextVar("failed_actions", default=None)


@contextmanager
def watched() -> Iterator[list[str]]:
    """The names of the custom actions that failed inside the block, as they fail (the
    block's task and the tasks it starts share the list)."""
    failed: list[str] = []
    token = _failed.set(failed)
    try:
        yield failed
    finally:
        _failed.reset(token)


_run = RemoteAction.run  # Rasa's own


async def _noted_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    try:
        return await _run(self, *args, **kwargs)
    except ActionExecutionRejection:
        raise
    except Exception:
        failed = _failed.get()
        if failed is not None:
            failed.append(self.name())
        raise


def install() -> None:
    """Every failure of a custom action (a form's validation too) noted for the turn
    being watched."""
    RemoteAction.run = _noted_run  # type: ignore[method-assign]
