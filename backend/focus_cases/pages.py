"""The web pages (the customer page with the chat widget, the staff console) and
their security headers; the static files they load are served under /static/."""

from aiohttp import web
from yarl import URL

from focus_cases.endpoints import Handler
from focus_cases.state import SETTINGS

_PLACEHOLDER = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Focus Group</title>"
    "<h1>Focus Group case service</h1><p>The web pages are not installed yet. "
    "The API is described at <a href=/api/openapi.json>/api/openapi.json</a>.</p></html>"
)


def security_headers(app: web.Application, path: str) -> dict[str, str]:
    """A strict Content-Security-Policy: scripts and styles from files only, so even
    a slip in escaping could not run injected script, and no page may be framed by
    another site. The customer page may also talk to Rasa's socket.io."""
    common = (
        "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }
    if path.startswith(("/staff", "/static/staff/")):
        return {**headers, "Content-Security-Policy": common}
    rasa = URL(app[SETTINGS].rasa_socket_url)
    socket = rasa.with_scheme("wss" if rasa.scheme == "https" else "ws")
    policy = f"{common}; connect-src 'self' {rasa.origin()} {socket.origin()}"
    return {**headers, "Content-Security-Policy": policy}


async def _add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The one place the web pages and the static files get their headers (the API's
    JSON needs none: it is never rendered as a page)."""
    if request.path == "/" or request.path.startswith(("/staff", "/static/")):
        response.headers.update(security_headers(request.app, request.path))


def _page(relative: str) -> Handler:
    async def serve(request: web.Request) -> web.StreamResponse:
        page = request.app[SETTINGS].web_dir / relative
        if page.is_file():
            return web.FileResponse(page)
        return web.Response(text=_PLACEHOLDER, content_type="text/html")

    return serve


async def _to_staff(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect("/staff/")


def setup(app: web.Application) -> None:
    """/ (customer page), /staff/ (console), /static/ (everything under web/)."""
    app.router.add_get("/", _page("index.html"))
    app.router.add_get("/staff", _to_staff)
    app.router.add_get("/staff/", _page("staff/index.html"))
    app.on_response_prepare.append(_add_security_headers)
    web_dir = app[SETTINGS].web_dir
    if web_dir.is_dir():
        app.router.add_static("/static/", web_dir)
