"""Where a turn's time goes (`make profile`): printed, never asserted.

py-spy samples Rasa, the action server and the case service while one sender asks
questions (six to a conversation), then while one sender at a time goes through the
fault form (stopping at the summary, so no case is made). Each sample is put in the
first part of a turn its stack passes through (PARTS, in order), and the table gives
CPU milliseconds per turn for each part, beside the turn's wall-clock latency. Waiting
(for the action server, the database) takes no CPU and shows up only as the gap
between the two.
"""

import argparse
import re
import signal
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import requests

from scripts.stack import ROOT, Stack
from tests.bench.bench_bot import FAULT_TURNS, MESSAGES, latest_model, percentile

PY_SPY = ROOT / "bot" / ".venv" / "bin" / "py-spy"
RATE = 250  # samples a second

# (part, a pattern of the frames it runs): the first that matches a sample owns it.
PARTS = [
    ("action response check (jsonschema)", r"jsonschema/"),
    ("tracker store", r"tracker_store\.py"),
    ("lock store", r"lock_store\.py"),
    ("NLU: DIET", r"diet_classifier\.py"),
    ("NLU: spaCy and entity rules", r"spacy|bot/nlp/"),
    ("NLU: sparse featurizers", r"featurizers/.*featurizer\.py"),
    ("NLU: other", r"rasa/nlu/|rasa/shared/nlu/"),
    ("policy: TED", r"ted_policy\.py"),
    ("policy: rules", r"rule_policy\.py"),
    ("policy: memoization", r"memoization\.py"),
    ("policies: featurising the tracker", r"rasa/core/featurizers/"),
    ("policies: other", r"rasa/core/policies/"),
    ("action server call (Rasa's side)", r"rasa/core/actions/action\.py"),
    ("actions: case service calls", r"bot/actions/backend\.py"),
    ("actions: forms and validation", r"bot/actions/"),
    ("actions: rasa-sdk", r"rasa_sdk/"),
    ("case service: database", r"sqlalchemy|aiosqlite|asyncpg"),
    ("case service: handlers", r"focus_cases/"),
]
# Judged by the sample's innermost frame only: every request runs inside these.
LEAF_PARTS = [("web server, HTTP and JSON", r"sanic|aiohttp|json|http|socket|ssl")]
REST = ("Rasa: the rest of the turn (events, domain, processor)", r"rasa/")
# A thread waiting for work (py-spy can't always tell it is idle): not counted.
IDLE = re.compile(
    r"(_worker \(concurrent/futures/thread|serve \(sanic/server/runners|run_forever|"
    r"_run_once|select \(selectors|wait \(threading)[^;]*$"
)


def part_of(stack: str) -> str | None:
    """The part of a turn a sample belongs to; None for an idle thread."""
    if IDLE.search(stack):
        return None
    leaf = stack.rsplit(";", 1)[-1]
    for name, pattern in PARTS:
        if re.search(pattern, stack):
            return name
    for name, pattern in LEAF_PARTS:
        if re.search(pattern, leaf):
            return name
    return REST[0] if re.search(REST[1], stack) else "other"


class Sampler:
    """py-spy recording one process, in raw (collapsed stack) format, until stopped."""

    def __init__(self, pid: int, out: Path) -> None:
        self.out = out
        self.process = subprocess.Popen(
            [str(PY_SPY), "record", "--pid", str(pid), "--rate", str(RATE)]
            + ["--format", "raw", "--nonblocking", "--output", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)  # py-spy attaches

    def stop(self) -> Counter[str]:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)
        samples: Counter[str] = Counter()
        for line in self.out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if part := part_of(stack):
                samples[part] += int(count)
        return samples


def say(rasa: str, sender: str, text: str) -> float:
    started = time.perf_counter()
    response = requests.post(
        f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120
    )
    response.raise_for_status()
    return time.perf_counter() - started


def questions(rasa: str, turns: int) -> list[float]:
    """``turns`` questions, in conversations of len(MESSAGES) turns each, as a customer's
    chat is: most of a turn's work grows with the conversation's length."""
    latencies = []
    for i in range(turns):
        if i % len(MESSAGES) == 0:
            sender = f"profile-{uuid.uuid4().hex[:8]}"
        latencies.append(say(rasa, sender, MESSAGES[i % len(MESSAGES)]))
    return latencies


def form_steps(rasa: str, conversations: int) -> list[float]:
    latencies = []
    for _ in range(conversations):
        sender = f"profile-form-{uuid.uuid4().hex[:8]}"
        latencies += [say(rasa, sender, text) for text in FAULT_TURNS]
    return latencies


def profile(stack: Stack, name: str, drive, folder: Path) -> None:
    samplers = {
        part: Sampler(stack.parts[part].pid, folder / f"{name}-{part}.txt")
        for part in ("rasa", "actions", "cases")
    }
    latencies = drive()
    samples = {part: sampler.stop() for part, sampler in samplers.items()}
    turns = len(latencies)
    p50, p99 = (percentile(latencies, q) * 1000 for q in (0.5, 0.99))
    print(f"\n{name}: {turns} turns, one sender; latency p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(f"  {'process':<8} {'part of the turn':<54} {'CPU ms/turn':>11}")
    for process, counts in samples.items():
        for part, count in counts.most_common():
            ms = count / RATE * 1000 / turns
            if ms >= 0.5:
                print(f"  {process:<8} {part:<54} {ms:>11.1f}")
        total = sum(counts.values()) / RATE * 1000 / turns
        print(f"  {process:<8} {'(all)':<54} {total:>11.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "bot" / "models"))
    parser.add_argument("--turns", type=int, default=120, help="question turns")
    parser.add_argument("--forms", type=int, default=20, help="fault-form conversations")
    args = parser.parse_args()
    model = latest_model(Path(args.model))
    folder = Path(tempfile.mkdtemp(prefix="profile-"))
    # Fresh databases: the tracker store's share is not to depend on old conversations.
    with Stack(
        model=str(model), state=folder / "state", logs=ROOT / "reports" / "profile-logs"
    ) as stack:
        stack.start()
        rasa = stack.url("rasa")
        questions(rasa, 12)  # warm up
        form_steps(rasa, 2)
        profile(stack, "question", lambda: questions(rasa, args.turns), folder)
        profile(stack, "form step", lambda: form_steps(rasa, args.forms), folder)
    print(f"\nraw samples: {folder}")


if __name__ == "__main__":
    main()
