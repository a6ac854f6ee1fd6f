"""The real server process: the CLI, migrations up and down, and an OpenAPI-driven fuzz run."""

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TOKEN, tracker_store
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from focus_cases.db import downgrade, migrate

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend"
sys.path.append(str(ROOT))  # for scripts/stack.py, the one launcher (standard library only)
from scripts.stack import Stack, free_port  # noqa: E402


def cli(url: str, *args: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "focus_cases", *args],
        cwd=BACKEND,
        env={**os.environ, "FOCUS_DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Stack]:
    """The case service alone (demo data loaded, `serve`) on a free loopback port,
    with an empty tracker store (Rasa's table) for its report."""
    tracker_store(tmp_path / "tracker.db", {}, 0.0)
    with Stack(
        ("cases",),
        ports={"cases": free_port()},
        state=tmp_path,
        logs=tmp_path / "logs",
        env={"cases": {"FOCUS_DATABASE_URL": database_url}},
        secrets={"FOCUS_SERVICE_TOKEN": TOKEN},
    ) as stack:
        stack.start(timeout=60)
        yield stack


def staff_headers(stack: Stack) -> list[str]:
    staff = stack.create_staff(f"fuzz{os.getpid()}{time.time_ns() % 10**6}")
    request = urllib.request.Request(
        f"{stack.url('cases')}/api/auth/login",
        data=json.dumps({"username": staff.username, "password": staff.password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        csrf = json.load(response)["csrf_token"]
        cookie = response.headers["Set-Cookie"].split(";")[0]
    return ["-H", f"Cookie: {cookie}", "-H", f"X-CSRF-Token: {csrf}"]


def test_cli_create_admin_and_release(database_url: str) -> None:
    out = cli(database_url, "create-admin", "ops", "--role", "agent")
    assert "one-time password" in out
    account = json.loads(cli(database_url, "create-admin", "lead", "--json"))
    assert account.keys() == {"username", "role", "password"}
    assert account["username"] == "lead" and account["role"] == "admin"
    assert len(account["password"]) >= 12
    assert "released 0 cases" in cli(database_url, "release")
    assert "demo accounts loaded" in cli(database_url, "seed-demo")
    assert "not loaded" in cli(database_url, "seed-demo")


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def test_migrations_down_and_up(database_url: str) -> None:
    assert "cases" in await _tables(database_url)
    await asyncio.to_thread(downgrade, database_url, "base")
    assert await _tables(database_url) == set()
    await asyncio.to_thread(migrate, database_url)
    assert {"accounts", "services", "cases", "case_events", "staff_users"} <= await _tables(
        database_url
    )


def test_fuzz_against_running_server(server: Stack, tmp_path: Path) -> None:
    """Schemathesis from the OpenAPI document: no 5xx, responses match the schema.
    Once with the service token, once as a logged-in admin (not logging out); bounded."""
    checks = (
        "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_schema_conformance"
    )
    # Left out: logout, and the routes that call Rasa (not running here; tested with a fake).
    excluded = ["logout", "get_conversation", "get_story", "try_message"]
    staff = staff_headers(server)
    for operation in excluded:
        staff += ["--exclude-operation-id", operation]
    for auth in (["-H", f"Authorization: Bearer {TOKEN}"], staff):
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                f"{server.url('cases')}/api/openapi.json",
                *auth,
                "--checks",
                checks,
                "--max-examples",
                "25",
                "--seed",
                "1",
                "--generation-database",
                "none",
                "--phases",
                "coverage,fuzzing",
                "--workers",
                "2",
                "--no-color",
            ],
            cwd=tmp_path,  # schemathesis leaves a cache in its working directory
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
