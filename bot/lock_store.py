"""Rasa's Redis lock store, with the tickets of live replicas kept alive.

Rasa queues a conversation's messages with tickets in Redis. Each ticket expires a
fixed time (60 s) after it was issued, so that a replica that dies holding a
conversation does not hold it for ever. But a waiting ticket expires the same way:
when a replica was killed during a customer's turn and the customer's message reached
another replica a moment later, the waiting ticket expired a moment after the dead
one. Unless a poll (once a second) fell in between, the waiting message was never
served: an expired ticket is never "now serving", and the lock, still in Redis, was
never deleted. The customer got no answer, ever (the 10-minute load test; reproduced
by killing the replica 50 ms into a "yes").

Here a waiting ticket is renewed at every poll, and a held one three times a lifetime
while its turn runs, so only the tickets of a process that stopped (or was blocked for
a lifetime) expire. The lifetime can then be short: a dead replica's conversation is
free again in seconds, not a minute. A waiting ticket that expired all the same queues
again at the end. The lock's other steps are Rasa's. One Rasa process (`make run`)
keeps Rasa's in-memory store: a holder there cannot die without its waiters.

    lock_store:
      type: bot.lock_store.RenewingRedisLockStore
      url: localhost    # and Rasa's Redis lock store's other settings
      lifetime: 10      # seconds a ticket lives unrenewed (default Rasa's, 60)
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
        settings = dict(endpoint_config.kwargs)
        self.lifetime = float(settings.pop("lifetime", LOCK_LIFETIME))
        super().__init__(host=endpoint_config.url, **settings)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float | None = None,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """The conversation's lock once every earlier ticket has finished or expired,
        held until the block ends however long it takes."""
        lifetime = lock_lifetime or self.lifetime
        ticket = self.issue_ticket(conversation_id, lifetime)
        try:
            lock = self.get_or_create_lock(conversation_id)
            while lock.now_serving != ticket:
                await asyncio.sleep(wait_time_in_seconds)
                renewed = self._extend(conversation_id, ticket, lifetime)
                if renewed is None:
                    logger.warning("A waiting ticket had expired: queued again")
                    ticket = self.issue_ticket(conversation_id, lifetime)
                    renewed = self.get_or_create_lock(conversation_id)
                lock = renewed
            keeper = asyncio.create_task(self._keep(conversation_id, ticket, lifetime))
            try:
                yield lock
            finally:
                keeper.cancel()
        finally:
            self.cleanup(conversation_id, ticket)

    async def _keep(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        while True:
            await asyncio.sleep(lifetime / 3)
            if self._extend(conversation_id, ticket, lifetime) is None:
                logger.error("A held ticket expired: another message may be handled alongside")
                return

    def _extend(self, conversation_id: str, number: int, lifetime: float) -> TicketLock | None:
        """The lock, its ticket ``number`` made to live ``lifetime`` from now; None if
        that ticket had expired."""
        lock = self.get_lock(conversation_id)
        ticket = next((t for t in lock.tickets if t.number == number), None) if lock else None
        if lock is None or ticket is None or ticket.has_expired():
            return None
        ticket.expires = time.time() + lifetime
        self.save_lock(lock)
        return lock
