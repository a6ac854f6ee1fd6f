"""The action server's Prometheus metrics (served at ``GET /metrics`` by server.py).

Action latency and failures by action name, and failed calls to the case service by
kind; the outbox's depth and oldest entry are read from its table at each scrape
(server.py's collector), so every replica reports the shared table's truth.
"""

from prometheus_client import Counter, Histogram

ACTION_SECONDS = Histogram(
    "focus_action_duration_seconds",
    "Time to run an action",
    ["action"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ACTION_FAILURES = Counter(
    "focus_action_failures",
    "Actions that failed (answered with the last-resort apology, or refused)",
    ["action"],
)
CASE_SERVICE_ERRORS = Counter(
    "focus_case_service_errors",
    "Calls to the case service that failed: unavailable (down, slow, 5xx, nonsense) "
    "or rejected (a 4xx other than no match and too many attempts)",
    ["kind"],
)
