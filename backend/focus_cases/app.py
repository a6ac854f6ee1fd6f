"""The aiohttp application factory: middleware, the database, the API's routes from
the route table, the web pages."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from focus_cases import (
    cases,
    conversation_report,
    openapi,
    pages,
    rasa_api,
    retention,
    verification,
)
from focus_cases import handlers as _handlers  # noqa: F401  (importing them fills ENDPOINTS)
from focus_cases.clock import Clock
from focus_cases.db import make_engine, sessionmaker
from focus_cases.endpoints import ENDPOINTS, preflight
from focus_cases.mail.sender import run_sender
from focus_cases.middleware import authenticate, problems_and_logging
from focus_cases.state import CLOCK, ENGINE, OPENAPI, SESSIONS, SETTINGS, Settings

log = logging.getLogger("focus_cases")

MAX_BODY = 64 * 1024


async def _release_periodically(app: web.Application) -> None:
    """Each instance releases due cases every so often (the UPDATE makes it safe) and
    deletes failed verifications that no limit counts any more."""
    while True:
        await asyncio.sleep(app[SETTINGS].release_interval)
        try:
            released = await cases.release_due(app[SESSIONS], app[CLOCK].now())
            await verification.prune(app[SESSIONS], app[CLOCK].now())
        except Exception:
            log.exception("release failed; will retry")
            continue
        if released:
            log.info("released %d queued cases", released)


async def _purge_daily(app: web.Application) -> None:
    """Each instance ages out data past its retention period at startup and then once
    a day (the purge is safe to run twice)."""
    settings = app[SETTINGS]
    while True:
        try:
            await retention.purge(
                app[SESSIONS], settings.stores, settings.retention, app[CLOCK].now()
            )
        except Exception:
            log.exception("retention purge failed; will retry")
        await asyncio.sleep(settings.purge_interval)


async def _database(app: web.Application) -> AsyncIterator[None]:
    engine = make_engine(app[SETTINGS].database_url)
    app[ENGINE] = engine
    app[SESSIONS] = sessionmaker(engine)
    released = await cases.release_due(app[SESSIONS], app[CLOCK].now())
    log.info("startup: released %d queued cases", released)
    tasks = [
        asyncio.create_task(_release_periodically(app)),
        asyncio.create_task(_purge_daily(app)),
    ]
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await engine.dispose()


def create_app(settings: Settings, clock: Clock | None = None) -> web.Application:
    """A ready application; the schema must already be migrated to head.
    ``clock`` replaces the settings' clock (tests move time with it)."""
    app = web.Application(
        middlewares=[problems_and_logging, authenticate], client_max_size=MAX_BODY
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock or Clock(settings.fixed_now)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(run_sender)
    rasa_api.setup(app)
    conversation_report.setup(app)
    app[OPENAPI] = openapi.document(ENDPOINTS)
    for entry in ENDPOINTS:
        app.router.add_route(entry.method, entry.path, entry.handler)
        if entry.any_origin:
            app.router.add_route("OPTIONS", entry.path, preflight)
    pages.setup(app)
    return app
