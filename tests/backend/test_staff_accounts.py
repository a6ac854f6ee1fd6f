"""Staff accounts: the forced first password change, password rules, argon2id and
rehashing, disabling and resetting, the audit log, the idle timeout, page headers."""

import hashlib
import json
import secrets
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from conftest import (
    BEARER,
    STRONG,
    MakeClient,
    MovableClock,
    create,
    fault_case,
    log_in,
    new_staff,
    staff_login,
)
from sqlalchemy import select, text, update

from focus_cases.models import StaffUser
from focus_cases.state import SESSIONS

ADMIN_ROUTES = [
    ("GET", "/api/staff"),
    ("POST", "/api/staff/someone/disable"),
    ("POST", "/api/staff/someone/enable"),
    ("POST", "/api/staff/someone/reset"),
    ("GET", "/api/audit"),
]
PASSWORD_ROUTE = ("POST", "/api/auth/password")


async def problem_type(response: object) -> str:
    return (await response.json())["type"]  # type: ignore[attr-defined]


def log_out_locally(client: TestClient) -> None:
    client.session.cookie_jar.clear()


async def stored_hash(client: TestClient, username: str) -> str:
    async with client.app[SESSIONS]() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
        return user.password_hash


async def set_hash(client: TestClient, username: str, password_hash: str) -> None:
    async with client.app[SESSIONS].begin() as session:
        await session.execute(
            update(StaffUser)
            .where(StaffUser.username == username)
            .values(password_hash=password_hash, must_change_password=False)
        )


async def audit(client: TestClient, **query: str) -> list[dict]:
    response = await client.get("/api/audit", params=query)
    assert response.status == 200, await response.text()
    return (await response.json())["entries"]


# --- who may call the new routes ---------------------------------------------------------


async def test_new_routes_refuse_anonymous_wrong_role_and_missing_csrf(
    client: TestClient,
) -> None:
    for method, path in [*ADMIN_ROUTES, PASSWORD_ROUTE]:
        response = await client.request(method, path, json={})
        assert response.status == 401, path
        assert await problem_type(response) == "/problems/unauthenticated"
        response = await client.request(method, path, json={}, headers=BEARER)
        assert response.status == 403, path
    await staff_login(client, "agent")
    for method, path in ADMIN_ROUTES:
        response = await client.request(method, path, json={})
        assert response.status == 403, path
        assert await problem_type(response) == "/problems/forbidden"
    change = {"current_password": STRONG, "new_password": "another long pass phrase"}
    response = await client.post("/api/auth/password", json=change)
    assert response.status == 403 and await problem_type(response) == "/problems/csrf"
    log_out_locally(client)
    await staff_login(client, "admin")
    for method, path in [(m, p) for m, p in ADMIN_ROUTES if m == "POST"]:
        response = await client.request(method, path)
        assert response.status == 403, path
        assert await problem_type(response) == "/problems/csrf"


# --- the first login --------------------------------------------------------------------


async def test_one_time_password_must_be_changed_first(client: TestClient) -> None:
    username, one_time = await new_staff(client, "agent")
    me = await log_in(client, username, one_time)
    assert me["must_change_password"] is True
    csrf = {"X-CSRF-Token": me["csrf_token"]}
    blocked = await client.get("/api/cases")
    assert blocked.status == 403
    assert await problem_type(blocked) == "/problems/password-change-required"
    note = await client.post("/api/cases/FG-12345678/notes", json={"text": "x"}, headers=csrf)
    assert note.status == 403
    assert (await (await client.get("/api/auth/me")).json())["must_change_password"] is True

    async def change(current: str, new: str) -> tuple[int, dict]:
        body = {"current_password": current, "new_password": new}
        response = await client.post("/api/auth/password", json=body, headers=csrf)
        return response.status, await response.json()

    status, body = await change("not the one-time password", STRONG)
    assert status == 422 and body["errors"][0]["loc"] == "current_password"
    for weak, reason in [
        ("short pass", "at least 12 characters"),
        (f"my name is {username}!", "username"),
        ("password1234!", "most common"),
        ("2024!dragon!2025", "most common"),
        ("1qaz2wsx3edc", "most common"),
        (one_time, "differ from your current password"),
    ]:
        status, body = await change(one_time, weak)
        assert status == 422, weak
        assert body["type"] == "/problems/weak-password"
        assert any(reason in e["msg"] for e in body["errors"]), (weak, body)
    status, body = await change(one_time, STRONG)
    assert status == 200 and body["must_change_password"] is False
    assert (await client.get("/api/cases")).status == 200  # the same session goes on
    log_out_locally(client)
    wrong = await client.post("/api/auth/login", json={"username": username, "password": one_time})
    assert wrong.status == 401
    assert (await log_in(client, username, STRONG))["must_change_password"] is False


async def test_changing_the_password_ends_the_other_sessions(make_client: MakeClient) -> None:
    first, second = await make_client(), await make_client()
    username, one_time = await new_staff(first, "agent")
    await log_in(second, username, one_time)
    csrf = {"X-CSRF-Token": (await log_in(first, username, one_time))["csrf_token"]}
    body = {"current_password": one_time, "new_password": STRONG}
    assert (await first.post("/api/auth/password", json=body, headers=csrf)).status == 200
    assert (await first.get("/api/auth/me")).status == 200
    ended = await second.get("/api/auth/me")
    assert ended.status == 401 and await problem_type(ended) == "/problems/session-ended"


# --- hashes -------------------------------------------------------------------------------


def scrypt_hash(password: str) -> str:
    """A hash as the service made them before argon2id."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"


async def test_new_hashes_are_argon2id(client: TestClient) -> None:
    username, _ = await new_staff(client)
    assert (await stored_hash(client, username)).startswith("$argon2id$")


@pytest.mark.parametrize(
    "old_hash",
    [scrypt_hash, PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash],
    ids=["scrypt", "weak-argon2"],
)
async def test_login_rehashes_an_outdated_hash(client: TestClient, old_hash: object) -> None:
    username, _ = await new_staff(client, "agent")
    await set_hash(client, username, old_hash(STRONG))  # type: ignore[operator]
    wrong = await client.post("/api/auth/login", json={"username": username, "password": "nope"})
    assert wrong.status == 401
    assert not (await stored_hash(client, username)).startswith("$argon2id$v=19$m=65536")
    await log_in(client, username, STRONG)
    rehashed = await stored_hash(client, username)
    assert rehashed.startswith("$argon2id$") and not PasswordHasher().check_needs_rehash(rehashed)
    log_out_locally(client)
    await log_in(client, username, STRONG)
    assert await stored_hash(client, username) == rehashed  # current: left alone


# --- disable and reset ----------------------------------------------------------------------


async def test_disable_ends_sessions_and_login_reset_gives_one_time_password(
    make_client: MakeClient,
) -> None:
    admin_client, agent_client = await make_client(), await make_client()
    admin = await staff_login(admin_client, "admin")
    username, one_time = await new_staff(agent_client, "agent")
    csrf = {"X-CSRF-Token": (await log_in(agent_client, username, one_time))["csrf_token"]}
    change = {"current_password": one_time, "new_password": STRONG}
    assert (await agent_client.post("/api/auth/password", json=change, headers=csrf)).status == 200
    assert (await agent_client.get("/api/cases")).status == 200

    disabled = await admin_client.post(f"/api/staff/{username}/disable", headers=admin)
    assert disabled.status == 200 and (await disabled.json())["disabled"] is True
    ended = await agent_client.get("/api/cases")
    assert ended.status == 401 and await problem_type(ended) == "/problems/session-ended"
    refused = await agent_client.post(
        "/api/auth/login", json={"username": username, "password": STRONG}
    )
    assert refused.status == 403 and await problem_type(refused) == "/problems/account-disabled"
    me = (await (await admin_client.get("/api/auth/me")).json())["username"]
    self_disable = await admin_client.post(f"/api/staff/{me}/disable", headers=admin)
    assert self_disable.status == 409
    missing = await admin_client.post("/api/staff/nobody/disable", headers=admin)
    assert missing.status == 404
    listed = await (await admin_client.get("/api/staff")).json()
    assert {"username": username, "disabled": True}.items() <= next(
        s for s in listed["staff"] if s["username"] == username
    ).items()

    enabled = await admin_client.post(f"/api/staff/{username}/enable", headers=admin)
    assert enabled.status == 200 and (await enabled.json())["disabled"] is False
    await log_in(agent_client, username, STRONG)
    reset = await admin_client.post(f"/api/staff/{username}/reset", headers=admin)
    assert reset.status == 200
    new_one_time = (await reset.json())["one_time_password"]
    assert (await agent_client.get("/api/cases")).status == 401  # the reset ended it
    old = await agent_client.post(
        "/api/auth/login", json={"username": username, "password": STRONG}
    )
    assert old.status == 401
    assert (await log_in(agent_client, username, new_one_time))["must_change_password"] is True


# --- the audit log ----------------------------------------------------------------------------


async def test_audit_log_records_accounts_and_status_changes(make_client: MakeClient) -> None:
    admin_client, agent_client = await make_client(), await make_client()
    admin = await staff_login(admin_client, "admin")
    admin_name = (await (await admin_client.get("/api/auth/me")).json())["username"]
    username, one_time = await new_staff(agent_client, "agent")
    bad = {"username": username, "password": "a wrong guess"}
    assert (await agent_client.post("/api/auth/login", json=bad)).status == 401
    csrf = {"X-CSRF-Token": (await log_in(agent_client, username, one_time))["csrf_token"]}
    change = {"current_password": one_time, "new_password": STRONG}
    assert (await agent_client.post("/api/auth/password", json=change, headers=csrf)).status == 200
    _, case = await create(agent_client, fault_case())
    url = f"/api/cases/{case['reference']}/status"
    moved = await agent_client.post(url, json={"status": "in_progress"}, headers=csrf)
    assert moved.status == 200
    assert (await agent_client.get("/api/audit")).status == 403  # agents cannot read it
    assert (await agent_client.post("/api/auth/logout", headers=csrf)).status == 204
    await admin_client.post(f"/api/staff/{username}/reset", headers=admin)
    await admin_client.post(f"/api/staff/{username}/disable", headers=admin)

    entries = await audit(admin_client)
    mine = [
        (e["action"], e["actor"], e["target"], e["detail"])
        for e in reversed(entries)
        if username in (e["actor"], e["target"])
    ]
    assert mine == [
        ("login_failed", username, None, "wrong password"),
        ("login_succeeded", username, None, None),
        ("password_changed", username, username, None),
        ("status_changed", username, case["reference"], "to in_progress"),
        ("logout", username, None, None),
        ("password_reset", admin_name, username, None),
        ("account_disabled", admin_name, username, None),
    ]
    text_of_log = json.dumps(entries)
    assert one_time not in text_of_log and STRONG not in text_of_log
    assert "a wrong guess" not in text_of_log
    only = await audit(admin_client, action="password_reset", limit="1")
    assert [e["action"] for e in only] == ["password_reset"]
    bad_query = await admin_client.get("/api/audit", params={"action": "everything"})
    assert bad_query.status == 422


async def test_audit_log_is_append_only(client: TestClient) -> None:
    username, _ = await new_staff(client)
    await client.post("/api/auth/login", json={"username": username, "password": "wrong"})
    for statement in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"]:
        with pytest.raises(Exception, match="append-only"):
            async with client.app[SESSIONS].begin() as session:
                await session.execute(text(statement))
    async with client.app[SESSIONS]() as session:
        assert await session.scalar(text("SELECT count(*) FROM audit_log")) == 1


# --- the idle timeout --------------------------------------------------------------------------


async def test_idle_session_ends(client: TestClient, clock: MovableClock) -> None:
    start = clock.at
    await staff_login(client, "agent")
    for minutes in (29, 58, 87):  # each request counts as use
        clock.at = start + timedelta(minutes=minutes)
        assert (await client.get("/api/cases")).status == 200, minutes
    background = {"X-Focus-Background": "1"}  # the console's automatic refreshes do not
    clock.at = start + timedelta(minutes=87 + 20)
    assert (await client.get("/api/cases", headers=background)).status == 200
    clock.at = start + timedelta(minutes=87 + 30)
    ended = await client.get("/api/cases")
    assert ended.status == 401 and await problem_type(ended) == "/problems/session-ended"
    clock.at += timedelta(minutes=1)
    assert (await client.get("/api/cases")).status == 401  # gone, not revived


async def test_idle_timeout_is_configurable(make_client: MakeClient, clock: MovableClock) -> None:
    client = await make_client(staff_idle_timeout=timedelta(minutes=5))
    await staff_login(client, "agent")
    clock.at += timedelta(minutes=4)
    assert (await client.get("/api/cases")).status == 200
    clock.at += timedelta(minutes=5)
    assert (await client.get("/api/cases")).status == 401
    entries = [e for e in await audit_as_new_admin(client) if e["action"] == "logout"]
    assert entries[0]["detail"] == "idle timeout"


async def audit_as_new_admin(client: TestClient) -> list[dict]:
    log_out_locally(client)
    await staff_login(client, "admin")
    return await audit(client)


# --- headers on every console file -------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/staff/",
        "/static/staff/index.html",
        "/static/staff/staff.js",
        "/static/staff/staff.css",
    ],
)
async def test_pages_and_console_files_cannot_be_framed(client: TestClient, path: str) -> None:
    response = await client.get(path)
    assert response.status == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
