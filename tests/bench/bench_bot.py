"""Bot speed figures for `make bench`: printed, never asserted.

Training time (a forced training of config.yml into a temporary folder), model
load time, /model/parse latency, and messages per second through the REST
channel with 1 and 20 concurrent senders, against the real stack on loopback.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from scripts.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = [
    "hi there",
    "what are your opening hours",
    "our broadband has been down since 8 this morning",
    "how do i pay by direct debit",
    "can i speak to a real person",
    "what's your postal address",
]


def latest_model(path: Path) -> Path:
    """``path`` if it is a model, else the newest model in that folder."""
    return path if path.is_file() else max(path.glob("*.tar.gz"), key=os.path.getmtime)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed_training() -> tuple[float, Path]:
    out = Path(tempfile.mkdtemp(prefix="bench-models-"))
    # An empty cache, or Rasa reuses components `make train` already trained.
    cache = {**os.environ, "RASA_CACHE_DIRECTORY": tempfile.mkdtemp(prefix="bench-cache-")}
    started = time.perf_counter()
    subprocess.run(
        [
            str(ROOT / "bot/.venv/bin/python"),
            "-m",
            "bot.rasa_cli",
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "bot/data",
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=ROOT,
        env=cache,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started, next(out.glob("*.tar.gz"))


def timed_load(model: Path) -> float:
    code = (
        "import time; from rasa.core.agent import Agent; t=time.perf_counter(); "
        f"Agent.load({str(model)!r}); print(time.perf_counter()-t)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return float(result.stdout.strip().splitlines()[-1])


async def parse_latency(
    session: aiohttp.ClientSession, rasa: str, token: str, count: int
) -> list[float]:
    samples = []
    for i in range(count):
        started = time.perf_counter()
        async with session.post(
            f"{rasa}/model/parse",
            params={"token": token},
            json={"text": MESSAGES[i % len(MESSAGES)]},
        ) as response:
            await response.read()
            assert response.status == 200
        samples.append(time.perf_counter() - started)
    return samples


async def rest_throughput(session: aiohttp.ClientSession, rasa: str, senders: int, per_sender: int):
    latencies: list[float] = []

    async def one_sender() -> None:
        sender = f"bench-{uuid.uuid4().hex[:8]}"
        for i in range(per_sender):
            started = time.perf_counter()
            async with session.post(
                f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": MESSAGES[i % 6]}
            ) as r:
                await r.read()
                assert r.status == 200
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one_sender() for _ in range(senders)))
    return senders * per_sender / (time.perf_counter() - started), latencies


FAULT_TURNS = [
    "our broadband has been down since 8 this morning",
    "FG004521",
    "BN43 6ZZ",
    "Sam Patel",
    "07700 900123",
    "stop",  # abandon at the summary: the benchmark creates no cases
]


async def form_turns(session: aiohttp.ClientSession, rasa: str, conversations: int) -> list[float]:
    """Turn latency inside the fault form with concurrent conversations."""
    latencies: list[float] = []

    async def one_conversation() -> None:
        sender = f"bench-form-{uuid.uuid4().hex[:8]}"
        for text in FAULT_TURNS:
            started = time.perf_counter()
            async with session.post(
                f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}
            ) as r:
                await r.read()
                assert r.status == 200
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(one_conversation() for _ in range(conversations)))
    return latencies


async def measure_running_stack(rasa: str, token: str) -> None:
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await parse_latency(session, rasa, token, 5)  # warm up
        samples = await parse_latency(session, rasa, token, 200)
        print(
            f"/model/parse: p50 {percentile(samples, .5) * 1000:.0f} ms, "
            f"p99 {percentile(samples, .99) * 1000:.0f} ms (200 requests)"
        )
        for senders, per_sender in ((1, 60), (20, 6)):
            rate, latencies = await rest_throughput(session, rasa, senders, per_sender)
            print(
                f"REST channel, {senders:>2} concurrent senders: {rate:.1f} messages/s, "
                f"p50 {percentile(latencies, .5) * 1000:.0f} ms, "
                f"p99 {percentile(latencies, .99) * 1000:.0f} ms "
                f"({senders * per_sender} messages)"
            )
        latencies = await form_turns(session, rasa, 20)
        print(
            f"fault form, 20 concurrent conversations: turn p50 "
            f"{percentile(latencies, .5) * 1000:.0f} ms, p99 "
            f"{percentile(latencies, .99) * 1000:.0f} ms ({len(latencies)} turns)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    model = ROOT / "bot" / "models"
    if not args.skip_training:
        seconds, model = timed_training()
        print(f"training (config.yml, full epochs): {seconds:.0f} s")
    latest = latest_model(model)
    print(f"model load (Agent.load): {timed_load(latest):.1f} s")
    started = time.perf_counter()
    with Stack(model=str(latest), logs=ROOT / "reports" / "bench-logs") as stack:
        stack.start()
        print(f"stack start until every part answers: {time.perf_counter() - started:.0f} s")
        asyncio.run(measure_running_stack(stack.url("rasa"), stack.secrets["RASA_AUTH_TOKEN"]))


if __name__ == "__main__":
    main()
