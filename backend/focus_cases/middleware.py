"""Request ids and logs, errors as problem details, authentication and the clock."""

import hmac
import logging
import re
import time
import uuid

from aiohttp import web

from focus_cases import auth, logs, metrics
from focus_cases.clock import parse_instant
from focus_cases.endpoints import ENDPOINTS_BY_HANDLER, Handler
from focus_cases.problems import ProblemError, problem_response
from focus_cases.state import CLOCK, NOW, PRINCIPAL, REQUEST_ID, SESSIONS, SETTINGS

log = logging.getLogger("focus_cases.http")

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
BACKGROUND_HEADER = "X-Focus-Background"
"""Sent by the console's automatic refreshes: they do not keep a session from idling."""


@web.middleware
async def problems_and_logging(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves as application/problem+json; one log line per request
    (method, route, status, time: never bodies or queries, which carry personal data),
    and every line logged while serving it carries its request id."""
    incoming = request.headers.get("X-Request-Id", "")
    request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    logs.REQUEST_ID.set(request_id)
    started = time.perf_counter()
    try:
        response = await handler(request)
    except ProblemError as error:
        response = problem_response(
            error.status,
            error.detail,
            slug=error.slug,
            errors=error.errors,
            headers=error.headers,
            request_id=request_id,
        )
    except web.HTTPException as error:
        if error.status < 400:
            raise
        allow = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
        detail = error.text if error.status == 413 else (error.reason or "")
        response = problem_response(error.status, detail, headers=allow, request_id=request_id)
    except Exception:
        log.exception("unhandled error")
        response = problem_response(500, "internal error", request_id=request_id)
    response.headers["X-Request-Id"] = request_id
    seconds = time.perf_counter() - started
    route = metrics.observe(request, response.status, seconds)
    fields = {"method": request.method, "route": route, "status": response.status}
    log.info("request", extra={"fields": {**fields, "ms": round(seconds * 1000, 1)}})
    return response


async def _principal(request: web.Request) -> auth.Principal | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return auth.service_principal(header[7:].strip(), request.app[SETTINGS].service_token)
    token = request.cookies.get(auth.SESSION_COOKIE)
    if token:
        return await auth.session_principal(
            request.app[SESSIONS],
            token,
            request.app[CLOCK].now(),
            request.app[SETTINGS].staff_idle_timeout,
            touch=BACKGROUND_HEADER not in request.headers,
        )
    return None


def _unauthenticated(had_session: bool) -> ProblemError:
    """401; a session cookie that no longer opens a session gets its own reason."""
    headers = {"WWW-Authenticate": "Bearer"}
    if had_session:
        detail = "your session has ended (unused for a while, or logged out); log in again"
        return ProblemError(401, detail, slug="session-ended", headers=headers)
    return ProblemError(401, "authentication required", slug="unauthenticated", headers=headers)


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Enforce each route's roles (401 without credentials, 403 wrong role or CSRF),
    then fix this request's "now" (the X-Focus-Now override needs credentials)."""
    endpoint = ENDPOINTS_BY_HANDLER.get(request.match_info.handler)
    principal = await _principal(request)
    if endpoint and endpoint.roles:
        if principal is None:
            raise _unauthenticated(auth.SESSION_COOKIE in request.cookies)
        if principal.role not in endpoint.roles:
            raise ProblemError(403, "not allowed for this role", slug="forbidden")
        if principal.must_change_password and not endpoint.before_password_change:
            raise ProblemError(
                403, "change your one-time password first", slug="password-change-required"
            )
        if principal.csrf_token and request.method not in _SAFE_METHODS:
            sent = request.headers.get("X-CSRF-Token", "")
            if not hmac.compare_digest(sent.encode(), principal.csrf_token.encode()):
                raise ProblemError(403, "missing or wrong X-CSRF-Token header", slug="csrf")
    request[PRINCIPAL] = principal
    request[NOW] = request.app[CLOCK].now()
    override = request.headers.get("X-Focus-Now")
    if override and principal and request.app[SETTINGS].allow_clock_override:
        try:
            request[NOW] = parse_instant(override)
        except ValueError:
            raise ProblemError(400, "X-Focus-Now must be an ISO 8601 time") from None
    return await handler(request)
