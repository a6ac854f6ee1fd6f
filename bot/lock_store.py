"""Rasa's Redis lock store, with a waiting message's ticket kept alive.

Rasa queues a conversation's messages with tickets in Redis. Each ticket expires a
fixed time (TICKET_LOCK_LIFETIME, 60 s) after it was issued, so that a replica that
dies holding a conversation does not hold it for ever. But a waiting ticket expires
the same way: when a replica was killed during a customer's turn and the customer's
message reached another replica a moment later, the waiting ticket expired a moment
after the dead one. Unless a poll (once a second) fell in between, the waiting message
was never served: an expired ticket is never "now serving", and the lock, still in
Redis, was never deleted. The customer got no answer, ever (the 10-minute load test;
reproduced by killing the replica during a "yes").

Here a waiting ticket is renewed at every poll, so only the tickets of a process that
stopped polling expire; one held up longer than its lifetime queues again at the end.
The lock's other steps are Rasa's. One Rasa process (`make run`) keeps Rasa's
in-memory store: a holder there cannot die without its waiters.

    lock_store:
      type: bot.lock_store.RenewingRedisLockStore
      url: localhost    # and Rasa's Redis lock store's other settings
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)


class RenewingRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """Rasa builds a lock store named by module path from its endpoint config."""
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """The conversation's lock once every earlier ticket has finished or expired."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            while True:
                lock, ticket = self._renew(conversation_id, ticket, lock_lifetime)
                if lock.now_serving == ticket:
                    break
                await asyncio.sleep(wait_time_in_seconds)
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)

    def _renew(self, conversation_id: str, number: int, lifetime: float) -> tuple[TicketLock, int]:
        """The lock with ticket ``number`` living ``lifetime`` from now, and that ticket's
        number: a new one, at the end of the queue, if it had expired already."""
        lock = self.get_or_create_lock(conversation_id)
        lock.remove_expired_tickets()
        ticket = next((t for t in lock.tickets if t.number == number), None)
        if ticket is None:
            logger.warning("Ticket %d of a conversation had expired: queued again", number)
            number = lock.issue_ticket(lifetime)
        else:
            ticket.expires = time.time() + lifetime
        self.save_lock(lock)
        return lock, number
