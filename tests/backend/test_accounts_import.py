"""Accounts import: the admin route and the command line against a real database."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from aiohttp.test_utils import TestClient
from conftest import BEARER, staff_login
from sqlalchemy import func, select

from focus_cases.db import BACKEND_DIR
from focus_cases.models import Account, Service
from focus_cases.state import SESSIONS

SAMPLE = BACKEND_DIR / "docs" / "accounts-sample.csv"
HEADER = (
    "account_number,company_name,contact_name,email,phone,postcode,"
    "product,description,tariff_name,monthly_price,contract_start,contract_end"
)
GOOD_ROW = (
    "FG100001,Good Row Ltd,Gail Good,gail@example.com,01632 960001,BN1 1ZZ,"
    "Data Connectivity,FTTP 100,Business Fibre 100,30.00,2025-01-01,2027-12-31"
)


def csv_file(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


async def upload(
    client: TestClient, headers: dict[str, str], text: str, *, dry_run: bool = False
) -> tuple[int, dict]:
    response = await client.post(
        "/api/admin/accounts/import",
        data=text.encode(),
        params={"dry_run": "true"} if dry_run else None,
        headers={**headers, "Content-Type": "text/csv"},
    )
    return response.status, await response.json()


async def snapshot(client: TestClient) -> list[tuple]:
    """Every account and service, to show that nothing changed."""
    async with client.app[SESSIONS]() as session:
        accounts = (await session.execute(select(Account.__table__))).all()
        services = (await session.execute(select(Service.__table__))).all()
    return [tuple(row) for row in [*accounts, *services]]


async def verify(client: TestClient, number: str, postcode: str) -> tuple[int, dict]:
    body = {"account_number": number, "postcode": postcode}
    response = await client.post("/api/verify", json=body, headers=BEARER)
    return response.status, await response.json()


async def test_sample_file_imports_and_its_customers_can_verify(
    client: TestClient, admin: dict[str, str]
) -> None:
    status, report = await upload(client, admin, SAMPLE.read_text())
    assert status == 200, report
    assert report == {
        "imported": True,
        "dry_run": False,
        "accounts": 3,
        "created": 2,
        "updated": 1,
        "services": 3,
        "rejected": [],
    }
    status, account = await verify(client, "fg007001", "bn39zz")
    assert status == 200
    assert account["company_name"] == "Sample Dental Practice, Hove (demo)"
    assert account["postcode"] == "BN3 9ZZ"
    [service] = account["services"]
    assert service["product"] == "Mobile Voice Calls & Lines"
    assert service["monthly_price"] == "60.00" and service["contract_end"] == "2027-01-31"
    status, shell = await verify(client, "FG007002", "SW1A 9ZZ")
    assert status == 200 and shell["services"] == []


async def test_upsert_updates_the_account_and_replaces_its_services(
    client: TestClient, admin: dict[str, str]
) -> None:
    text = csv_file(
        "fg004521,Example Bakery Group (demo),Ann New,,,bn43 6zz,"
        "Managed Services,Managed LAN,Managed Care,120.5,2026-01-01,2028-12-31"
    )
    status, report = await upload(client, admin, text)
    assert status == 200 and (report["created"], report["updated"]) == (0, 1)
    _, account = await verify(client, "FG004521", "BN43 6ZZ")
    assert account["company_name"] == "Example Bakery Group (demo)"
    assert account["contact_name"] == "Ann New"
    assert [(s["product"], s["monthly_price"]) for s in account["services"]] == [
        ("Managed Services", "120.50")
    ]
    async with client.app[SESSIONS]() as session:
        assert await session.scalar(select(func.count()).select_from(Account)) == 3


async def test_every_rejection_names_its_line_and_reason_and_nothing_changes(
    client: TestClient, admin: dict[str, str]
) -> None:
    before = await snapshot(client)
    rows = {
        2: (GOOD_ROW, None),
        3: (GOOD_ROW, "duplicate of line 2"),
        4: (GOOD_ROW.replace("FG100001", "XY1"), "bad account number 'XY1' (FG and 6 digits)"),
        5: (GOOD_ROW.replace("FG100001", "FG100002").replace("BN1 1ZZ", "NOPE"),
            "bad postcode 'NOPE'"),
        6: (GOOD_ROW.replace("FG100001", "FG100003").replace("2025-01-01", "01/01/2025"),
            "bad date in contract_start '01/01/2025' (use YYYY-MM-DD)"),
        7: (GOOD_ROW.replace("FG100001", "FG100004").replace("Data Connectivity", "Broadband"),
            "unknown product 'Broadband' (see the product list in backend/README.md)"),
        8: (GOOD_ROW.replace("FG100001", "FG100005").replace("30.00", "thirty"),
            "monthly_price is not a number: 'thirty'"),
        9: (GOOD_ROW.replace("Gail Good", "Someone Else").replace("FTTP 100", "FTTP 200"),
            "account details differ from line 2 for FG100001"),
        10: (GOOD_ROW.replace("FG100001", "FG100006").replace("2027-12-31", "2024-12-31"),
             "contract_end is before contract_start"),
        11: (GOOD_ROW.replace("FG100001", "FG100007").replace("gail@example.com", "gail"),
             "bad e-mail 'gail'"),
        12: (GOOD_ROW.replace("FG100001", "FG100008").replace("Good Row Ltd", ""),
             "company_name is empty"),
        13: (GOOD_ROW.replace("FG100001", "FG100009") + ",extra", "more fields than columns"),
    }  # fmt: skip
    status, problem = await upload(client, admin, csv_file(*(row for row, _ in rows.values())))
    assert status == 422 and problem["type"] == "/problems/import-rejected"
    expected = [{"line": line, "reason": why} for line, (_, why) in rows.items() if why]
    assert problem["errors"] == expected
    assert problem["detail"] == f"{len(expected)} rows rejected; nothing was imported"
    assert await snapshot(client) == before  # line 2 was good, and was not imported


async def test_a_bad_header_is_rejected_on_line_1(
    client: TestClient, admin: dict[str, str]
) -> None:
    header = HEADER.replace("postcode", "post_code")
    status, problem = await upload(client, admin, csv_file(GOOD_ROW, header=header))
    assert status == 422
    assert problem["errors"] == [
        {"line": 1, "reason": "unknown column 'post_code'"},
        {"line": 1, "reason": "missing column 'postcode'"},
    ]
    status, problem = await upload(client, admin, "")
    assert status == 422 and problem["errors"][0]["line"] == 1


async def test_dry_run_reports_and_changes_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    before = await snapshot(client)
    status, report = await upload(client, admin, SAMPLE.read_text(), dry_run=True)
    assert status == 200
    assert report["imported"] is False and report["dry_run"] is True
    assert (report["created"], report["updated"]) == (2, 1)
    assert await snapshot(client) == before


async def test_the_import_route_is_for_admins_only(client: TestClient) -> None:
    text = SAMPLE.read_text()
    assert (await upload(client, {}, text))[0] == 401
    assert (await upload(client, BEARER, text))[0] == 403
    agent = await staff_login(client, "agent")
    assert (await upload(client, agent, text))[0] == 403
    await staff_login(client, "admin")  # the cookie now holds an admin's session
    status, problem = await upload(client, {}, text)
    assert status == 403 and problem["type"] == "/problems/csrf"


async def test_the_import_route_refuses_other_media_and_bad_encoding(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = await client.post("/api/admin/accounts/import", json={}, headers=admin)
    assert response.status == 415
    response = await client.post(
        "/api/admin/accounts/import",
        data=HEADER.encode() + b"\n\xff\xfe",
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert response.status == 422
    assert (await response.json())["type"] == "/problems/not-utf-8"


async def test_command_line_import_and_dry_run(
    client: TestClient, database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_file(GOOD_ROW, GOOD_ROW.replace("BN1 1ZZ", "X")))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "focus_cases", "import-accounts", *args],
            cwd=BACKEND_DIR,
            env={**os.environ, "FOCUS_DATABASE_URL": database_url},
            capture_output=True,
            text=True,
            check=False,
        )

    before = await snapshot(client)
    failed = await asyncio.to_thread(run, str(bad))
    assert failed.returncode == 1
    assert failed.stdout.splitlines() == [
        "line 3: bad postcode 'X'",
        "1 accounts (1 new, 0 updated), 1 services: 1 rows rejected; nothing imported",
    ]
    dry = await asyncio.to_thread(run, str(SAMPLE), "--dry-run")
    assert dry.returncode == 0 and "nothing imported (dry run)" in dry.stdout
    assert await snapshot(client) == before
    done = await asyncio.to_thread(run, str(SAMPLE))
    assert done.returncode == 0
    assert done.stdout.strip() == "3 accounts (2 new, 1 updated), 3 services: imported"
    assert (await verify(client, "FG007002", "SW1A9ZZ"))[0] == 200
