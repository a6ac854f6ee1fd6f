"""Verification limits, service token, staff sessions, CSRF, roles, the clock override."""

from datetime import UTC, datetime

from aiohttp.test_utils import TestClient
from conftest import BEARER, MakeClient, MovableClock, create, fault_case, london, staff_login

from focus_cases import staff
from focus_cases.state import SESSIONS

GOOD = {"account_number": "FG004521", "postcode": "BN43 6ZZ"}


async def verify(client: TestClient, **body: str) -> tuple[int, dict]:
    response = await client.post("/api/verify", json=body, headers=BEARER)
    return response.status, await response.json()


async def test_verify_normalises_and_discloses_services(client: TestClient) -> None:
    status, body = await verify(client, account_number=" fg004521 ", postcode="bn43  6zz")
    assert status == 200
    assert body["company_name"] == "Example Bakery Ltd (demo)"
    service = body["services"][0]
    assert service["tariff_name"] == "Business Fibre 500"
    assert service["monthly_price"] == "49.00"
    assert service["contract_end"] == "2027-02-28"
    assert body["has_email"] is True and "email" not in body  # whether, never the address
    status, body = await verify(client, account_number="FG009876", postcode="SW1A 9ZZ")
    assert status == 200 and body["has_email"] is False


async def test_unknown_account_and_wrong_postcode_look_the_same(client: TestClient) -> None:
    unknown = await verify(client, account_number="FG999999", postcode="BN43 6ZZ")
    wrong = await verify(client, account_number="FG004521", postcode="BN43 6ZY")
    assert unknown[0] == wrong[0] == 404
    assert unknown[1]["detail"] == wrong[1]["detail"]


async def test_failures_limited_and_survive_restart(
    make_client: MakeClient, clock: MovableClock
) -> None:
    client = await make_client()
    for _ in range(5):
        assert (await verify(client, account_number="FG004521", postcode="WRONG"))[0] == 404
    status, body = await verify(client, **GOOD)
    assert status == 429 and body["type"] == "/problems/too-many-attempts"
    # Another account number is not affected.
    assert (await verify(client, account_number="FG001234", postcode="RH10 9ZZ"))[0] == 200
    restarted = await make_client()  # same database: the limit is still there
    assert (await verify(restarted, **GOOD))[0] == 429
    lookup = {"reference": "FG-00000000", **GOOD}
    response = await restarted.post("/api/cases/lookup", json=lookup, headers=BEARER)
    assert response.status == 429
    # Creating a case is not guessing (the bot verified the pair in the conversation):
    # a matching pair is accepted, so a burst of correct submissions is never refused.
    assert (await create(restarted, fault_case()))[0] == 201
    assert (await create(restarted, fault_case(postcode="BN43 6ZY")))[0] == 404
    clock.at = london(2026, 11, 25, 10, 16)
    assert (await verify(restarted, **GOOD))[0] == 200


async def test_lookup_failures_count_toward_limit(client: TestClient) -> None:
    for _ in range(5):
        response = await client.post(
            "/api/cases/lookup", json={"reference": "FG-12345678", **GOOD}, headers=BEARER
        )
        assert response.status == 404
    assert (await verify(client, **GOOD))[0] == 429


async def test_routes_refuse_without_credentials(client: TestClient) -> None:
    for method, path in [
        ("POST", "/api/verify"),
        ("POST", "/api/cases"),
        ("POST", "/api/cases/lookup"),
        ("POST", "/api/release"),
        ("GET", "/api/cases"),
        ("GET", "/api/cases/FG-12345678"),
        ("POST", "/api/cases/FG-12345678/status"),
        ("POST", "/api/cases/FG-12345678/notes"),
        ("GET", "/api/reports/summary"),
        ("GET", "/api/auth/me"),
        ("POST", "/api/auth/logout"),
    ]:
        response = await client.request(method, path, json={})
        assert response.status == 401, path
        assert response.content_type == "application/problem+json"
    wrong = await client.post("/api/verify", json=GOOD, headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    for path in ["/health", "/api/hours", "/api/meta", "/api/openapi.json", "/"]:
        assert (await client.get(path)).status == 200, path


async def test_roles(client: TestClient) -> None:
    assert (await client.get("/api/cases", headers=BEARER)).status == 403
    agent = await staff_login(client, "agent")
    assert (await client.get("/api/cases")).status == 200
    assert (await client.post("/api/release", headers=agent)).status == 403
    assert (await client.post("/api/verify", json=GOOD, headers=agent)).status == 403
    admin = await staff_login(client, "admin")
    assert (await client.post("/api/release", headers=admin)).status == 200


async def test_staff_session_cookie_csrf_and_logout(client: TestClient) -> None:
    _, created = await create(client, fault_case())
    headers = await staff_login(client, "agent")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    assert "focus_session" in cookie
    login = await client.post("/api/auth/login", json={"username": "x", "password": "y"})
    assert login.status == 401
    me = await (await client.get("/api/auth/me")).json()
    assert me["role"] == "agent" and me["csrf_token"] == headers["X-CSRF-Token"]
    url = f"/api/cases/{created['reference']}/notes"
    assert (await client.post(url, json={"text": "x"})).status == 403
    bad = {"X-CSRF-Token": "wrong"}
    assert (await client.post(url, json={"text": "x"}, headers=bad)).status == 403
    assert (await client.post(url, json={"text": "x"}, headers=headers)).status == 201
    assert (await client.post("/api/auth/logout", headers=headers)).status == 204
    assert (await client.get("/api/auth/me")).status == 401


async def test_login_cookie_flags(make_client: MakeClient) -> None:
    client = await make_client(secure_cookies=True)
    password = await staff.create_staff(client.app[SESSIONS], "kim", "agent", datetime.now(UTC))
    response = await client.post("/api/auth/login", json={"username": "kim", "password": password})
    header = response.headers["Set-Cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header and "secure" in header
    wrong = await client.post("/api/auth/login", json={"username": "kim", "password": "nope"})
    assert wrong.status == 401


async def test_login_failures_limited(client: TestClient) -> None:
    for _ in range(5):
        body = {"username": "nobody", "password": "guess"}
        assert (await client.post("/api/auth/login", json=body)).status == 401
    assert (await client.post("/api/auth/login", json=body)).status == 429


async def test_clock_override_only_when_allowed_and_authenticated(
    make_client: MakeClient,
) -> None:
    saturday = {"X-Focus-Now": "2026-11-28T14:00"}
    plain = await make_client()
    hours = await (await plain.get("/api/hours", headers={**BEARER, **saturday})).json()
    assert hours["open_now"] is True  # ignored without FOCUS_ALLOW_CLOCK_OVERRIDE
    allowing = await make_client(allow_clock_override=True)
    anonymous = await (await allowing.get("/api/hours", headers=saturday)).json()
    assert anonymous["open_now"] is True  # ignored without credentials
    hours = await (await allowing.get("/api/hours", headers={**BEARER, **saturday})).json()
    assert hours["open_now"] is False and hours["next_open"] == "2026-11-30T09:00:00Z"
    response = await allowing.post(
        "/api/cases", json=fault_case(), headers={**BEARER, **saturday, "Idempotency-Key": "k"}
    )
    case = await response.json()
    assert case["status"] == "queued" and case["created_at"] == "2026-11-28T14:00:00Z"
    bad = await allowing.get("/api/hours", headers={**BEARER, "X-Focus-Now": "soon"})
    assert bad.status == 400


async def test_hours_endpoint(client: TestClient, clock: MovableClock) -> None:
    body = await (await client.get("/api/hours")).json()
    assert body["open_now"] is True and body["closes_at"] == "2026-11-25T17:30:00Z"
    assert body["timezone"] == "Europe/London"
    clock.at = london(2026, 7, 4, 12, 0)
    body = await (await client.get("/api/hours")).json()
    assert body["open_now"] is False and body["closes_at"] is None
    assert body["now"] == "2026-07-04T12:00:00+01:00"
    assert body["next_open"] == "2026-07-06T09:00:00+01:00"
