"""Every route of the running case service, as an attacker tries it: without
credentials, with the wrong role, and as a logged-in admin without the CSRF token.

The routes and who may call them come from the service's own OpenAPI document
(``x-roles``), so a route added later is covered without editing this test.
"""

from typing import Any

import pytest
import requests

from scripts.stack import Stack

# A value for each path parameter: well-formed, so only the caller decides the answer.
PATH_VALUES = {"reference": "FG-00000000", "username": "nobody", "conversation_id": "c-0"}
CHANGES = {"post", "put", "patch", "delete"}


def problem(response: requests.Response) -> str:
    assert response.headers.get("Content-Type", "").startswith("application/problem+json"), (
        response.status_code,
        response.text[:300],
    )
    return response.json()["type"]


@pytest.fixture(scope="module")
def cases(harness: Stack) -> str:
    return harness.url("cases")


@pytest.fixture(scope="module")
def operations(cases: str) -> list[tuple[str, str, frozenset[str]]]:
    """(method, concrete path, roles) for every operation; empty roles: public."""
    doc = requests.get(f"{cases}/api/openapi.json", timeout=10).json()
    found = [
        (method.upper(), path.format(**PATH_VALUES), frozenset(op.get("x-roles", [])))
        for path, item in doc["paths"].items()
        for method, op in item.items()
    ]
    assert len(found) >= 25 and any(roles == {"admin"} for *_, roles in found)
    return found


def login(cases: str, harness: Stack, role: str) -> tuple[requests.Session, str]:
    """A logged-in staff session of ``role`` and its CSRF token."""
    staff = harness.create_staff(f"sec-{role}-{id(harness) % 10**6}", role=role)
    session = requests.Session()
    response = session.post(
        f"{cases}/api/auth/login",
        json={"username": staff.username, "password": staff.password},
        timeout=10,
    )
    response.raise_for_status()
    return session, response.json()["csrf_token"]


def call(caller: Any, cases: str, method: str, path: str, **headers: str) -> requests.Response:
    return caller.request(method, f"{cases}{path}", json={}, headers=headers, timeout=10)


def test_no_credentials_no_access(cases, operations) -> None:
    for method, path, roles in operations:
        response = call(requests, cases, method, path)
        if roles:
            assert response.status_code == 401, (method, path, response.status_code)
            assert problem(response) == "/problems/unauthenticated"
        else:
            assert response.status_code < 500, (method, path, response.status_code)


def test_the_wrong_role_is_refused(cases, operations, harness) -> None:
    token = harness.secrets["FOCUS_SERVICE_TOKEN"]
    agent, agent_csrf = login(cases, harness, "agent")
    callers = {
        "service": (requests, {"Authorization": f"Bearer {token}"}),
        "agent": (agent, {"X-CSRF-Token": agent_csrf}),
    }
    refused = 0
    for method, path, roles in operations:
        for role, (caller, headers) in callers.items():
            if roles and role not in roles:
                response = call(caller, cases, method, path, **headers)
                assert response.status_code == 403, (role, method, path, response.status_code)
                assert problem(response) == "/problems/forbidden"
                refused += 1
    assert refused >= 15  # service-only and admin-only routes exist on both sides


def test_a_staff_change_needs_the_csrf_token(cases, operations, harness) -> None:
    admin, _csrf = login(cases, harness, "admin")
    changes = [
        (method, path)
        for method, path, roles in operations
        if method.lower() in CHANGES and "admin" in roles
    ]
    assert len(changes) >= 8
    for method, path in changes:
        response = call(admin, cases, method, path)
        assert response.status_code == 403, (method, path, response.status_code)
        assert problem(response) == "/problems/csrf"
    assert admin.get(f"{cases}/api/auth/me", timeout=10).status_code == 200  # still logged in


@pytest.mark.parametrize("page", ["/", "/staff/", "/static/staff/index.html"])
def test_every_page_forbids_framing_and_foreign_scripts(cases, page) -> None:
    response = requests.get(f"{cases}{page}", timeout=10)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
