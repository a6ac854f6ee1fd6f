"""Benchmark: case creates per second and p50/p99 latency, 1 and 50 concurrent clients.

Starts a real `serve` process on a free loopback port against a fresh SQLite file
(and against PostgreSQL when --postgres-url is given) and posts fault cases, each
with its own Idempotency-Key, over HTTP. Bounded by --requests and --max-seconds.
Run with the backend's interpreter: backend/.venv/bin/python tests/bench/bench_backend.py
"""

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

BACKEND = Path(__file__).resolve().parents[2] / "backend"
TOKEN = secrets.token_urlsafe(16)
BODY = {
    "kind": "fault",
    "customer_words": "Benchmark: the line is crackly since this morning.",
    "details": {"service": "Fixed Line", "description": "crackly line", "since": "09:00"},
}


def start_server(url: str) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "FOCUS_DATABASE_URL": url, "FOCUS_SERVICE_TOKEN": TOKEN}
    process = subprocess.Popen(
        [sys.executable, "-m", "focus_cases", "serve", "--port", str(port)],
        cwd=BACKEND,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}"


async def wait_healthy(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(150):
            try:
                async with session.get(f"{base}/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("server did not become healthy")


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


async def bench(name: str, url: str, requests: int, max_seconds: float) -> None:
    process, base = start_server(url)
    try:
        await wait_healthy(base)
        print(f"{name}:", flush=True)
        for clients in (1, 50):
            print("  " + await run_level(base, clients, requests, max_seconds), flush=True)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", help="also bench this asyncpg database URL")
    parser.add_argument("--requests", type=int, default=1000, help="creates per level")
    parser.add_argument("--max-seconds", type=float, default=30, help="time cap per level")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        asyncio.run(bench("SQLite", sqlite_url, args.requests, args.max_seconds))
    if args.postgres_url:
        asyncio.run(bench("PostgreSQL", args.postgres_url, args.requests, args.max_seconds))


if __name__ == "__main__":
    main()
