"""This project against Rasa's default configuration (`make bench-compare`): printed,
never asserted.

The default is the config.yml `rasa init` writes (no pipeline, no policies: Rasa fills
in its defaults), trained on this project's domain and data into bot/models/compare/.
Rasa skips that training when nothing changed since the model there, so only the
first run pays for it. Both models are served through the REST channel beside each
other, on one case service and action server, and driven by the same load in turns
(project, default, project, ...): 20 concurrent single-turn conversations, so neither
gets the quieter minute. Then the project alone, for its speed targets.
"""

import argparse
import asyncio
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from scripts.stack import ROOT, Stack, free_port
from tests.bench.bench_bot import FAULT_TURNS, MESSAGES, latest_model, percentile

RASA = ROOT / "bot" / ".venv" / "bin" / "rasa"
INIT_CONFIG = next(
    (ROOT / "bot" / ".venv" / "lib").glob(
        "python3*/site-packages/rasa/cli/initial_project/config.yml"
    )
)
COMPARE_MODELS = ROOT / "bot" / "models" / "compare"
# The targets, printed beside what was measured.
TARGET_QUESTION_MS, TARGET_FORM_MS, TARGET_RATIO, TARGET_COLD_S = 40, 80, 2.5, 20


def default_model() -> Path:
    """The default config's model, trained only if the domain or data changed."""
    config = Path(tempfile.mkdtemp(prefix="default-config-")) / "config.yml"
    shutil.copy(INIT_CONFIG, config)  # a copy: Rasa writes the defaults it chose into it
    started = time.perf_counter()
    subprocess.run(
        [str(RASA), "train", "--config", str(config), "--domain", "domain.yml"]
        + ["--data", "bot/data", "--out", str(COMPARE_MODELS), "--quiet"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"Rasa's default config: trained or reused in {time.perf_counter() - started:.0f} s")
    return latest_model(COMPARE_MODELS)


async def say(session: aiohttp.ClientSession, rasa: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    async with session.post(
        f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}
    ) as response:
        await response.read()
        response.raise_for_status()
    return time.perf_counter() - started


async def concurrent_questions(
    session: aiohttp.ClientSession, rasa: str, senders: int, messages: int
) -> tuple[float, list[float]]:
    """``messages`` single-turn conversations, ``senders`` at a time: turns/s, latencies."""
    queue = list(range(messages))
    latencies: list[float] = []

    async def sender() -> None:
        while queue:
            i = queue.pop()
            latencies.append(
                await say(session, rasa, uuid.uuid4().hex, MESSAGES[i % len(MESSAGES)])
            )

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    return messages / (time.perf_counter() - started), latencies


async def one_sender(
    session: aiohttp.ClientSession, rasa: str, rounds: int
) -> tuple[list[float], list[float]]:
    """``rounds`` conversations of questions (the six MESSAGES, as `make profile` asks
    them), then as many through the fault form (stopped at the summary, so no case is
    made): the latencies of each kind of turn."""
    questions, steps = [], []
    for _ in range(rounds):
        sender = uuid.uuid4().hex
        questions += [await say(session, rasa, sender, text) for text in MESSAGES]
        sender = uuid.uuid4().hex
        steps += [await say(session, rasa, sender, text) for text in FAULT_TURNS]
    return questions, steps


def ms(samples: list[float], fraction: float) -> str:
    return f"{percentile(samples, fraction) * 1000:.0f} ms"


async def compare(project: str, default: str, rounds: int, messages: int) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for rasa in (project, default):  # warm up: TensorFlow's first calls are slow
            await concurrent_questions(session, rasa, 4, 12)
        results: dict[str, tuple[float, list[float]]] = {"project": (0.0, []), "default": (0.0, [])}
        for _ in range(rounds):
            for name, rasa in (("project", project), ("default", default)):
                rate, latencies = await concurrent_questions(session, rasa, 20, messages)
                total, all_latencies = results[name]
                results[name] = (total + rate / rounds, all_latencies + latencies)
        print(f"\n20 concurrent single-turn conversations, {rounds} rounds of {messages} in turns:")
        for name, (rate, latencies) in results.items():
            p50, p99 = ms(latencies, 0.5), ms(latencies, 0.99)
            print(f"  {name:<8} {rate:5.1f} turns/s, p50 {p50}, p99 {p99}")
        ratio = results["project"][0] / results["default"][0]
        print(
            f"  ratio    {ratio:.2f} times the default's turns/s (target: at least {TARGET_RATIO})"
        )

        questions, steps = await one_sender(session, project, rounds=10)
        print("\nthe project, one sender:")
        for name, samples, target in (
            ("question ", questions, TARGET_QUESTION_MS),
            ("form step", steps, TARGET_FORM_MS),
        ):
            p50, p99 = ms(samples, 0.5), ms(samples, 0.99)
            print(f"  {name} p50 {p50}, p99 {p99} (target p50: {target} ms)")


def cold_start(stack: Stack) -> float:
    """From `rasa run` to the first answer, the other parts already up."""
    started = time.perf_counter()
    stack.start("rasa")

    async def first() -> None:
        async with aiohttp.ClientSession() as session:
            await say(session, stack.url("rasa"), uuid.uuid4().hex, "hello")

    asyncio.run(first())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--model", default=str(ROOT / "bot" / "models"), help="the project's model or its folder"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=200, help="conversations per round")
    args = parser.parse_args()
    model = latest_model(Path(args.model))
    baseline = default_model()
    logs = ROOT / "reports" / "bench-compare-logs"
    state = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    with Stack(model=str(model), state=state / "project", logs=logs) as stack:
        stack.start("mail", "cases", "actions")
        seconds = cold_start(stack)
        print(
            f"the project: cold start, `rasa run` to the first answer: {seconds:.1f} s "
            f"(target: under {TARGET_COLD_S} s)"
        )
        # The default's Rasa beside it: the same action server and case service.
        with Stack(
            ("rasa",),
            model=str(baseline),
            state=state / "default",
            logs=logs / "default",
            ports={**stack.ports, "rasa": free_port()},
            secrets=stack.secrets,
        ) as other:
            print(f"Rasa's default config: cold start: {cold_start(other):.1f} s")
            asyncio.run(compare(stack.url("rasa"), other.url("rasa"), args.rounds, args.messages))


if __name__ == "__main__":
    main()
