"""The scaled profile's stack, started once for tests/stack (test_scaled and the short
load test share it: a scaled stack takes minutes to start on two cores).

Order matters: test_loadtest.py runs first (file order) and leaves every part running;
test_scaled.py's last test leaves rasa-2 stopped. The stack holds `make run`'s ports
until pytest ends, so test_supervision.py (which needs them) runs in a pytest of its own
(scripts/test.sh)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from scripts.stack import SCALED_PORTS, Scale, Stack, free_port
from tests.stack_fixtures import IN_HOURS, REPORTS, required_model


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """PostgreSQL, Redis, nginx and two replicas of each part, at a fixed UK time."""
    model = required_model()
    folder = REPORTS / f"stack-scaled-{SCALED_PORTS['public']}"
    shutil.rmtree(folder, ignore_errors=True)
    scaled = Stack(
        model=model,
        scale=Scale(rasa=2, actions=2, cases=2),
        state=folder / "state",
        logs=folder / "logs",
        ports={"pg": free_port()},  # a cluster of its own, beside CI's on FOCUS_PG_PORT
        env={"cases": {"FOCUS_NOW": IN_HOURS}},
    )
    with scaled:
        scaled.start(timeout=600)
        yield scaled
