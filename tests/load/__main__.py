"""`make loadtest`: the long load test on a scaled stack of its own (two replicas of
each part behind nginx), on the model `make train` built; prints the figures, exits 1
if a case was lost or duplicated or a conversation broke.

`python -m tests.load --customers 200 --minutes 10 [--model FILE]`"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from scripts.stack import Scale
from tests.load.driver import own_stack, run_load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--model", help="model file (default: the newest in bot/models)")
    args = parser.parse_args()
    stack = own_stack(
        "loadtest",
        Scale(),
        args.model,
        lambda message: print(f"[stack] {time.strftime('%H:%M:%S')} {message}", flush=True),
    )
    with stack:
        stack.start(timeout=600)
        print(f"{args.customers} customers for {args.minutes:g} minutes; logs in {stack.logs}")
        staff = stack.create_staff("load-admin")
        report = asyncio.run(run_load(stack, staff, args.customers, args.minutes * 60))
    print("\n".join(report.lines()))
    return 1 if report.lost or report.duplicated or report.tally.broken else 0


if __name__ == "__main__":
    sys.exit(main())
