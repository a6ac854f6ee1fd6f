"""Prometheus metrics of the case service, served at ``GET /metrics``.

Counters and histograms count what this process did: requests and their latency by
route (the route's pattern, never the path with a reference in it), and failed
verifications by reason. Gauges of stored state (cases by kind and status, the queue
and its oldest case) are read from the database at each scrape, so every replica
reports the same truth and nothing drifts after a restart.

Who may scrape: a bearer token equal to ``FOCUS_METRICS_TOKEN``, or a direct request
from an address in ``FOCUS_METRICS_ALLOW`` (addresses or networks, comma-separated;
default loopback). A request that came through a proxy (``X-Forwarded-For`` or
``Forwarded``) is from the public whatever its address, so it needs the token.
"""

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from focus_cases.models import Case
from focus_cases.schemas import Status

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

WAITING: tuple[Status, ...] = ("queued", "open")
"""The queue: cases no one has started on."""
LOOPBACK = "127.0.0.0/8,::1"
CONTENT_TYPE = "text/plain; version=0.0.4"

REQUESTS = Counter(
    "focus_http_requests", "Requests answered", ["method", "route", "status"], registry=None
)
REQUEST_SECONDS = Histogram(
    "focus_http_request_duration_seconds",
    "Time to answer a request",
    ["method", "route"],
    registry=None,
)
VERIFICATION_FAILURES = Counter(
    "focus_verification_failures",
    "Account number and postcode pairs refused: no_match (404) or over_limit (429)",
    ["reason"],
    registry=None,
)


def networks(spec: str) -> tuple[Network, ...]:
    """``FOCUS_METRICS_ALLOW``'s addresses and networks."""
    return tuple(ipaddress.ip_network(part.strip()) for part in spec.split(",") if part.strip())


def may_scrape(request: web.Request, allow: Iterable[Network], token: str | None) -> bool:
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[7:].strip().encode(), token.encode())
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.remote or "")
    except ValueError:
        return False
    return any(address in network for network in allow)


def observe(request: web.Request, status: int, seconds: float) -> str:
    """Count one answered request under its route's pattern (a path can carry a case
    reference or a conversation id; paths no route matches share one); returns it."""
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    REQUESTS.labels(request.method, route, str(status)).inc()
    REQUEST_SECONDS.labels(request.method, route).observe(seconds)
    return route


@dataclass(frozen=True, eq=False)  # hashed by identity, as a registry needs
class Snapshot:
    """Stored state at one scrape, as a collector of gauges."""

    cases: dict[tuple[str, str], int]
    oldest_waiting: datetime | None
    now: datetime

    def collect(self) -> Iterable[Metric]:
        cases = GaugeMetricFamily(
            "focus_cases", "Stored cases by kind and status", labels=["kind", "status"]
        )
        for (kind, status), count in sorted(self.cases.items()):
            cases.add_metric([kind, status], count)
        yield cases
        waiting = sum(n for (_, status), n in self.cases.items() if status in WAITING)
        yield GaugeMetricFamily(
            "focus_queue_depth", "Cases queued or open, not yet in progress", value=waiting
        )
        age = (self.now - self.oldest_waiting).total_seconds() if self.oldest_waiting else 0.0
        yield GaugeMetricFamily(
            "focus_queue_oldest_age_seconds", "Age of the oldest case in the queue", value=age
        )


async def snapshot(sessions: async_sessionmaker, now: datetime) -> Snapshot:
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Case.kind, Case.status, func.count()).group_by(Case.kind, Case.status)
            )
        ).all()
        oldest = await session.scalar(
            select(func.min(Case.created_at)).where(Case.status.in_(WAITING))
        )
    return Snapshot({(kind, status): count for kind, status, count in rows}, oldest, now)


def exposition(state: Snapshot) -> bytes:
    """This process's counters and the stored state, in Prometheus' text format."""
    registry = CollectorRegistry(auto_describe=False)
    for collector in (REQUESTS, REQUEST_SECONDS, VERIFICATION_FAILURES, state):
        registry.register(collector)
    return generate_latest(registry)
