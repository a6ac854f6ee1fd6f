"""`make run`'s supervision, end to end: the launcher started as `make run` starts it
(on the FOCUS_*_PORT ports, its databases and logs in a folder of the test's), the case
service killed, restarted while the others keep serving, then Ctrl-C leaving nothing."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from scripts.stack import PORTS

ROOT = Path(__file__).resolve().parents[2]
STARTED = re.compile(r"(\w+) (?:started on \S+|restarted) \(pid (\d+)\)")


class Launcher:
    """scripts/stack.py as a child process, its output read line by line."""

    def __init__(self, model: str, folder: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "scripts/stack.py", "--model", model]
            + ["--state", str(folder / "state"), "--logs", str(folder / "logs")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.pids: dict[str, list[int]] = {}  # every process each part has had
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, seconds: float) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if started := STARTED.search(line):
                self.pids.setdefault(started[1], []).append(int(started[2]))
            if text in line:
                return line
        pytest.fail(f"no {text!r} from the launcher in {seconds} s:\n{''.join(self.seen)}")

    def alive_groups(self) -> list[int]:
        """The parts' process groups that still have a process in them."""
        alive = []
        for pid in (pid for pids in self.pids.values() for pid in pids):
            try:
                os.killpg(pid, 0)
                alive.append(pid)
            except ProcessLookupError:
                pass
        return alive


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def launcher(tmp_path: Path):
    model = os.environ.get("FOCUS_TEST_MODEL")
    if not model:
        pytest.fail("FOCUS_TEST_MODEL is not set: run the suite through `make test`")
    started = Launcher(model, tmp_path)
    yield started
    if started.process.poll() is None:  # the test failed half way: leave nothing running
        started.process.send_signal(signal.SIGINT)
        started.process.wait(timeout=60)
    for group in started.alive_groups():
        os.killpg(group, signal.SIGKILL)


def test_a_killed_part_comes_back_and_ctrl_c_leaves_no_process(launcher: Launcher) -> None:
    cases = f"http://127.0.0.1:{PORTS['cases']}/health"
    launcher.wait_for("ready:", 400)
    others = {name: launcher.pids[name][0] for name in ("actions", "rasa")}
    [killed] = launcher.pids["cases"]

    os.kill(killed, signal.SIGKILL)
    launcher.wait_for("cases exited (signal SIGKILL); restarting at", 10)
    launcher.wait_for("cases restarted", 10)
    deadline = time.monotonic() + 60
    while not answers(cases):
        assert time.monotonic() < deadline, "the case service did not come back"
        time.sleep(0.5)
    assert launcher.pids["cases"][-1] != killed
    assert {name: launcher.pids[name] for name in others} == {n: [p] for n, p in others.items()}
    assert answers(f"http://127.0.0.1:{PORTS['rasa']}/")  # Rasa kept serving throughout

    began = time.monotonic()
    launcher.process.send_signal(signal.SIGINT)
    assert launcher.process.wait(timeout=30) == 0
    assert time.monotonic() - began < 20, "Ctrl-C took too long"
    assert launcher.alive_groups() == []
    assert not any(answers(f"http://127.0.0.1:{port}/") for port in PORTS.values())
