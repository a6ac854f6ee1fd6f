"""The web pages (the customer page with the chat widget, the privacy notice, the staff
console) and their security headers; the static files they load are served under
/static/."""

from aiohttp import web
from yarl import URL

from focus_cases.endpoints import Handler
from focus_cases.retention import Retention
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
    if request.path in ("/", "/privacy") or request.path.startswith(("/staff", "/static/")):
        response.headers.update(security_headers(request.app, request.path))


def _page(relative: str) -> Handler:
    async def serve(request: web.Request) -> web.StreamResponse:
        page = request.app[SETTINGS].web_dir / relative
        if page.is_file():
            return web.FileResponse(page)
        return web.Response(text=_PLACEHOLDER, content_type="text/html")

    return serve


def privacy_notice(retention: Retention) -> str:
    """The privacy notice the chat widget links to, its periods from the service's own
    retention settings (so the page always says what the purge does)."""
    days, years = retention.transcript_days, retention.closed_case_years
    hours = f"{retention.attempts_hours:g} hour{'' if retention.attempts_hours == 1 else 's'}"
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Privacy notice: Focus Group chat</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  <main class="site-main">
    <h1>Privacy notice: our chat assistant</h1>
    <p>Focus Group keeps what you tell our chat assistant only to deal with your request,
      and only for as long as this page says.</p>
    <table>
      <thead><tr><th scope="col">What</th><th scope="col">Kept for</th>
        <th scope="col">Why</th></tr></thead>
      <tbody>
        <tr><td>The conversation (what you and the assistant said)</td>
          <td>{days} days after your last message</td>
          <td>So our team can see what you asked when they pick up your request</td></tr>
        <tr><td>Your request (a fault, a cancellation, a complaint...), with your name,
          phone number and your words</td>
          <td>Until it is closed, then {years} years; after that only its reference, type
          and dates are kept</td>
          <td>To deal with it, and to answer any later question or claim about it</td></tr>
        <tr><td>Failed checks of an account number and postcode</td>
          <td>{hours}</td>
          <td>To stop anyone guessing their way into an account</td></tr>
        <tr><td>A request waiting while our systems are busy</td>
          <td>Until it reaches our team</td>
          <td>So nothing you asked for is lost</td></tr>
        <tr><td>The chat in your browser</td>
          <td>Until you press "Start again", or after a short time unused</td>
          <td>So a reload carries on the same conversation</td></tr>
      </tbody>
    </table>
    <p>You may ask us to erase what we hold about you at any time: ask the assistant for
      a person, or contact our Customer Relations Team. We then delete your conversations
      and remove your details from your requests.</p>
    <p><a href="/">Back to Focus Group</a></p>
  </main>
</body>
</html>
"""


async def _privacy(request: web.Request) -> web.Response:
    return web.Response(
        text=privacy_notice(request.app[SETTINGS].retention), content_type="text/html"
    )


async def _to_staff(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect("/staff/")


def setup(app: web.Application) -> None:
    """/ (customer page), /privacy (notice), /staff/ (console), /static/ (everything
    under web/)."""
    app.router.add_get("/", _page("index.html"))
    app.router.add_get("/privacy", _privacy)
    app.router.add_get("/staff", _to_staff)
    app.router.add_get("/staff/", _page("staff/index.html"))
    app.on_response_prepare.append(_add_security_headers)
    web_dir = app[SETTINGS].web_dir
    if web_dir.is_dir():
        app.router.add_static("/static/", web_dir)
