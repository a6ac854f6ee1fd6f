"""The route table, and the helpers every handler uses to read a request and reply.

Each API handler is registered here with its roles and its request and response
shapes; the same table drives authorisation (middleware) and the OpenAPI document
(openapi), neither of which needs the handlers themselves.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, ValidationError

from focus_cases.auth import Principal
from focus_cases.problems import ProblemError
from focus_cases.state import CLOCK, PRINCIPAL

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SERVICE = frozenset({"service"})
STAFF = frozenset({"agent", "admin"})
ADMIN = frozenset({"admin"})
IDEMPOTENCY_KEY_LENGTH = 200


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    roles: frozenset[str] = frozenset()
    """Who may call it; empty means public."""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    responses: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    idempotency_key: bool = False
    """Takes an Idempotency-Key header (required with the service token)."""
    before_password_change: bool = False
    """Callable by a session whose password is still a one-time one."""
    any_origin: bool = False
    """Callable with a JSON body from any web page (the embedded widget): the app
    answers its CORS preflight."""


ENDPOINTS: list[Endpoint] = []
ENDPOINTS_BY_HANDLER: dict[Handler, Endpoint] = {}


def endpoint(method: str, path: str, summary: str, **spec: object) -> Callable[[Handler], Handler]:
    """Register a handler in the route table (the app adds every entry as a route)."""

    def register(handler: Handler) -> Handler:
        entry = Endpoint(method, path, handler, summary, **spec)  # type: ignore[arg-type]
        ENDPOINTS.append(entry)
        ENDPOINTS_BY_HANDLER[handler] = entry
        return handler

    return register


# --- reading a request -----------------------------------------------------------------


def _validation_problem(error: ValidationError) -> ProblemError:
    errors = [
        {"loc": ".".join(str(part) for part in e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in error.errors(include_input=False, include_url=False, include_context=False)
    ]
    if any(e["type"] == "json_invalid" for e in errors):
        return ProblemError(400, "the body is not valid JSON", slug="malformed-json", errors=errors)
    return ProblemError(422, "the request is not valid", slug="invalid-request", errors=errors)


async def read_body[M: BaseModel](request: web.Request, model: type[M], **context: object) -> M:
    """The JSON body validated against ``model`` (strict, no unknown fields)."""
    if request.content_type != "application/json":
        raise ProblemError(415, "send the body as application/json", slug="unsupported-media-type")
    raw = await request.read()
    try:
        return model.model_validate_json(raw, context=context)
    except ValidationError as error:
        raise _validation_problem(error) from None


def read_query[M: BaseModel](request: web.Request, model: type[M]) -> M:
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as error:
        raise _validation_problem(error) from None


def idempotency_key(request: web.Request) -> str | None:
    """The Idempotency-Key header: the bot must send one (so a retry makes one case)."""
    key = request.headers.get("Idempotency-Key")
    if principal(request).role == "service" and not key:
        raise ProblemError(400, "the Idempotency-Key header is required", slug="idempotency-key")
    if key is not None and not 1 <= len(key) <= IDEMPOTENCY_KEY_LENGTH:
        raise ProblemError(
            400,
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_LENGTH} characters",
            slug="idempotency-key",
        )
    return key


def principal(request: web.Request) -> Principal:
    """The caller of a route with roles (the middleware has admitted them)."""
    caller = request[PRINCIPAL]
    assert caller is not None, "the middleware admits only authenticated callers here"
    return caller


def real_now(request: web.Request) -> datetime:
    """The service clock, ignoring X-Focus-Now: failure limits and sessions use it."""
    return request.app[CLOCK].now()


# --- replying ----------------------------------------------------------------------------

ANY_ORIGIN = {"Access-Control-Allow-Origin": "*"}


async def preflight(_request: web.Request) -> web.Response:
    """The CORS preflight of an ``any_origin`` route: a JSON POST without cookies."""
    allowed = {
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
    }
    return web.Response(status=204, headers={**ANY_ORIGIN, **allowed})


def reply(model: BaseModel, status: int = 200, **headers: str) -> web.Response:
    return web.Response(
        status=status,
        text=model.model_dump_json(),
        content_type="application/json",
        headers=headers or None,
    )
