"""How long customers' data is kept, and the purge that ages it out.

The one place for these periods: the purge applies them, and the privacy page
(/privacy) tells customers them. Each period is set by an environment variable:

- FOCUS_RETAIN_TRANSCRIPT_DAYS (90): a conversation in Rasa's tracker store is deleted
  this long after its last message (the case keeps what the team needs).
- FOCUS_RETAIN_CLOSED_CASE_YEARS (6): a resolved or closed case is anonymised this long
  after its last change (the limitation period for a claim about the contract).

Kept for shorter times elsewhere, and stated here so the page can say so: failed
verifications for an hour (verification.KEEP, pruned every release round); waiting
submissions in the outbox only until they are delivered (then deleted).
"""

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from focus_cases import audit, erasure
from focus_cases.models import Case
from focus_cases.stores import EVENTS, Stores, transaction
from focus_cases.verification import KEEP as ATTEMPTS_KEPT

log = logging.getLogger("focus_cases.retention")

ACTOR = "retention"
"""Who the audit log says purged."""
FINISHED = ("resolved", "closed")


@dataclass(frozen=True)
class Retention:
    transcript_days: int = 90
    closed_case_years: int = 6

    @classmethod
    def from_env(cls) -> "Retention":
        default = cls()
        return cls(
            transcript_days=int(
                os.environ.get("FOCUS_RETAIN_TRANSCRIPT_DAYS", default.transcript_days)
            ),
            closed_case_years=int(
                os.environ.get("FOCUS_RETAIN_CLOSED_CASE_YEARS", default.closed_case_years)
            ),
        )

    def transcripts_before(self, now: datetime) -> datetime:
        return now - timedelta(days=self.transcript_days)

    def cases_before(self, now: datetime) -> datetime:
        """The same date ``closed_case_years`` ago (28 February for a 29th)."""
        year = now.year - self.closed_case_years
        try:
            return now.replace(year=year)
        except ValueError:
            return now.replace(year=year, day=28)

    @property
    def attempts_hours(self) -> float:
        return ATTEMPTS_KEPT.total_seconds() / 3600


@dataclass(frozen=True)
class Purge:
    conversations: int = 0
    cases: int = 0


async def _purge_transcripts(stores: Stores, before: datetime) -> int:
    """Delete the conversations whose last event is older than ``before``."""
    async with transaction(stores.tracker, EVENTS) as tracker:
        if tracker is None:
            return 0
        stale = list(
            await tracker.scalars(
                select(EVENTS.c.sender_id)
                .group_by(EVENTS.c.sender_id)
                .having(func.max(EVENTS.c.timestamp) < before.timestamp())
            )
        )
        for start in range(0, len(stale), 500):
            chunk = stale[start : start + 500]
            await tracker.execute(EVENTS.delete().where(EVENTS.c.sender_id.in_(chunk)))
        return len(stale)


async def purge(
    sessions: async_sessionmaker, stores: Stores, retention: Retention, now: datetime
) -> Purge:
    """Age out everything older than its period; recorded in the audit log when
    anything went. Safe to run on several instances at once, and again."""
    conversations = await _purge_transcripts(stores, retention.transcripts_before(now))
    async with sessions.begin() as session:
        cases = list(
            await session.scalars(
                select(Case).where(
                    Case.status.in_(FINISHED),
                    Case.updated_at < retention.cases_before(now),
                    Case.customer_words != erasure.ERASED,
                )
            )
        )
        await erasure.anonymise_cases(session, cases, ACTOR, now)
        result = Purge(conversations=conversations, cases=len(cases))
        if conversations or cases:
            audit.add(session, audit.Action.PURGED, ACTOR, now, detail=erasure.counted(result))
    if conversations or cases:
        log.info("retention: purged %s", erasure.counted(result))
    return result
