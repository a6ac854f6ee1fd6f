"""Benchmark: case creates per second and p50/p99 latency, 1 and 50 concurrent clients;
the time to import 100,000 accounts.

Starts the case service through scripts/stack.py on a free loopback port against a
fresh SQLite file (and against PostgreSQL when --postgres-url is given) and posts fault
cases, each with its own Idempotency-Key, over HTTP. Bounded by --requests and
--max-seconds. Then runs `python -m focus_cases import-accounts` on a generated file
of --accounts accounts (half with two services) into the same database, twice: the
first creates them, the second updates them. Run with the backend's interpreter:
backend/.venv/bin/python tests/bench/bench_backend.py
"""

import argparse
import asyncio
import csv
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT))  # for scripts/stack.py, the one launcher (standard library only)
from scripts.stack import Stack, free_port  # noqa: E402

TOKEN = secrets.token_urlsafe(16)
BODY = {
    "kind": "fault",
    "customer_words": "Benchmark: the line is crackly since this morning.",
    "details": {"service": "Fixed Line", "description": "crackly line", "since": "09:00"},
}


async def run_level(base: str, clients: int, requests: int, max_seconds: float) -> str:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + max_seconds
    remaining = iter(range(requests))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            nonlocal errors
            for _ in remaining:
                if time.perf_counter() > deadline:
                    return
                started = time.perf_counter()
                key = {"Idempotency-Key": secrets.token_hex(12)}
                async with session.post(f"{base}/api/cases", json=BODY, headers=key) as response:
                    await response.read()
                    if response.status != 201:
                        errors += 1
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"{clients:>3} clients: {len(latencies):>5} creates in {elapsed:5.1f} s = "
        f"{len(latencies) / elapsed:7.1f}/s  p50 {cuts[49] * 1000:7.1f} ms  "
        f"p99 {cuts[98] * 1000:7.1f} ms  errors {errors}"
    )


async def measure(base: str, requests: int, max_seconds: float) -> None:
    for clients in (1, 50):
        print("  " + await run_level(base, clients, requests, max_seconds), flush=True)


def accounts_file(path: Path, accounts: int) -> int:
    """A valid import file of ``accounts`` accounts; the number of rows."""
    rows = 0
    with path.open("w", newline="") as file:
        out = csv.writer(file)
        file.write(
            "account_number,company_name,contact_name,email,phone,postcode,product,"
            "description,tariff_name,monthly_price,contract_start,contract_end\n"
        )
        for n in range(accounts):
            account = [f"FG{n:06d}", f"Bench Co {n} Ltd", f"Contact {n}", f"c{n}@example.com",
                       f"01632 {n:06d}", f"BN{n % 90 + 1} {n % 10}ZZ"]  # fmt: skip
            services = [("Data Connectivity", "FTTP", "Business Fibre 500", "49.00")]
            if n % 2:
                services.append(("Mobile Voice Calls & Lines", "5 SIMs", "Mobile Pro 30", "75.00"))
            for product, description, tariff, price in services:
                out.writerow([*account, product, description, tariff, price,
                              "2025-01-01", "2027-12-31"])  # fmt: skip
                rows += 1
    return rows


def _children_cpu() -> float:
    """CPU seconds of finished child processes: on a shared machine, wall time alone
    says more about the neighbours than about the import."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_import(env: dict[str, str], folder: Path, accounts: int) -> None:
    path = folder / "accounts.csv"
    rows = accounts_file(path, accounts)
    for run in ("create", "update"):
        started, cpu = time.perf_counter(), _children_cpu()
        subprocess.run(
            [sys.executable, "-m", "focus_cases", "import-accounts", str(path)],
            cwd=ROOT / "backend",
            env={**os.environ, **env},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu
        print(
            f"  import {accounts} accounts ({rows} rows), {run}: {elapsed:5.1f} s "
            f"= {accounts / elapsed:8.0f} accounts/s (the command's CPU {cpu:5.1f} s)",
            flush=True,
        )


def bench(name: str, url: str | None, requests: int, max_seconds: float, accounts: int) -> None:
    """One database: the service on it (SQLite in a fresh folder unless ``url``)."""
    with tempfile.TemporaryDirectory() as folder:
        database = {"FOCUS_DATABASE_URL": url} if url else {}
        with Stack(
            ("cases",),
            ports={"cases": free_port()},
            state=Path(folder),
            logs=Path(folder) / "logs",
            env={"cases": database},
            secrets={"FOCUS_SERVICE_TOKEN": TOKEN},
        ) as stack:
            stack.start(timeout=60)
            print(f"{name}:", flush=True)
            asyncio.run(measure(stack.url("cases"), requests, max_seconds))
            database_env = dict(database) or {
                "FOCUS_DATABASE_URL": f"sqlite+aiosqlite:///{Path(folder) / 'import.db'}"
            }
            bench_import(database_env, Path(folder), accounts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", help="also bench this asyncpg database URL")
    parser.add_argument("--requests", type=int, default=1000, help="creates per level")
    parser.add_argument("--max-seconds", type=float, default=30, help="time cap per level")
    parser.add_argument("--accounts", type=int, default=100_000, help="accounts to import")
    args = parser.parse_args()
    bench("SQLite", None, args.requests, args.max_seconds, args.accounts)
    if args.postgres_url:
        bench("PostgreSQL", args.postgres_url, args.requests, args.max_seconds, args.accounts)


if __name__ == "__main__":
    main()
