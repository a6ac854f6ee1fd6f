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


def security_headers(app: web.Application, relative: str) -> dict[str, str]:
    """A strict Content-Security-Policy: scripts and styles from files only, so even
    a slip in escaping could not run injected script. The customer page may also
    talk to Rasa's socket.io; the staff console cannot be framed."""
    common = "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'"
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    if relative.startswith("staff/"):
        policy = f"{common}; form-action 'self'; frame-ancestors 'none'"
        return {**headers, "Content-Security-Policy": policy, "X-Frame-Options": "DENY"}
    rasa = URL(app[SETTINGS].rasa_socket_url)
    socket = rasa.with_scheme("wss" if rasa.scheme == "https" else "ws")
    policy = f"{common}; connect-src 'self' {rasa.origin()} {socket.origin()}"
    return {**headers, "Content-Security-Policy": policy}


def _page(relative: str) -> Handler:
    async def serve(request: web.Request) -> web.StreamResponse:
        page = request.app[SETTINGS].web_dir / relative
        if page.is_file():
            return web.FileResponse(page, headers=security_headers(request.app, relative))
        return web.Response(text=_PLACEHOLDER, content_type="text/html")

    return serve


async def _to_staff(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect("/staff/")


def setup(app: web.Application) -> None:
    """/ (customer page), /staff/ (console), /static/ (everything under web/)."""
    app.router.add_get("/", _page("index.html"))
    app.router.add_get("/staff", _to_staff)
    app.router.add_get("/staff/", _page("staff/index.html"))
    web_dir = app[SETTINGS].web_dir
    if web_dir.is_dir():
        app.router.add_static("/static/", web_dir)
