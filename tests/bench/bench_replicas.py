"""Rasa replicas, 1 against 2, for `make bench` (issue 11, item 6): printed, never asserted.

A scaled stack of its own (2 Rasa replicas, 1 action server, 1 case service, behind
nginx, so the two cores go to Rasa as far as they can) takes 20 concurrent
conversations from the load driver (tests/load), each sending its next message as soon
as the last is answered (no thinking time: the figure is capacity), first with rasa-2
stopped (nginx sends everyone to rasa-1), then with both, in the same run. Prints
turns/s and p99 for each and the ratio (the goal: at least 1.8 times, p99 at or under
500 ms).
"""

from __future__ import annotations

import argparse
import asyncio

from scripts.stack import Scale, Stack
from tests.load.driver import Report, own_stack, percentile, run_load

CONVERSATIONS = 20


def measure(stack: Stack, seconds: float, replicas: int) -> float:
    """Drive the conversations for ``seconds``; print the figures; turns per second."""
    staff = stack.create_staff(f"bench-{replicas}")
    report: Report = asyncio.run(
        run_load(stack, staff, CONVERSATIONS, seconds, chaos=False, think=(0.0, 0.0))
    )
    latencies = report.tally.latencies
    rate = len(latencies) / report.seconds
    print(
        f"{replicas} Rasa replica{'s' if replicas > 1 else ''}, {CONVERSATIONS} concurrent "
        f"conversations: {rate:.1f} turns/s, p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms ({len(latencies)} turns, "
        f"{report.tally.errors} errors)",
        flush=True,
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="per measurement")
    parser.add_argument("--model", help="model file (default: the newest in bot/models)")
    args = parser.parse_args()
    stack = own_stack("bench-replicas", Scale(rasa=2, actions=1, cases=1), args.model)
    with stack:
        stack.start(timeout=600)
        stack.stop("rasa-2")
        one = measure(stack, args.seconds, 1)
        stack.restart("rasa-2", timeout=600)
        two = measure(stack, args.seconds, 2)
    print(f"2 replicas against 1: {two / one:.2f} times the turns/s")


if __name__ == "__main__":
    main()
