"""The action server's /metrics (Prometheus text): action latency by action, action
failures, the outbox's depth and oldest entry, failed calls to the case service; its
request ids; and its JSON log lines, which carry no personal data."""

import json

import requests
from prometheus_client.parser import text_string_to_metric_families

ACCOUNT, POSTCODE = "FG004521", "BN43 6ZZ"
KEPT = "isn't responding"  # utter_case_service_down
Samples = dict[tuple[str, tuple], float]


def scrape(url: str) -> Samples:
    response = requests.get(f"{url}/metrics", timeout=10)
    response.raise_for_status()
    assert response.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_a_conversation_in_an_outage_shows_in_the_metrics(stack, harness, sender):
    """The tariff form with the case service down: its validation is timed, the failed
    call counted, the request kept in the outbox (depth and age), then delivered."""
    actions = harness.url("actions")
    before = scrape(actions)
    stack.cases.stop()
    try:
        stack.reply(sender, "can you tell me what tariff we're on")
        stack.reply(sender, ACCOUNT)
        assert KEPT in stack.reply(sender, POSTCODE)
        during = scrape(actions)
    finally:
        stack.cases.start()
    count = "focus_action_duration_seconds_count"
    assert grew(before, during, count, action="validate_tariff_form") >= 3
    assert grew(before, during, "focus_case_service_errors_total", kind="unavailable") >= 1
    assert value(during, "focus_outbox_depth") >= 1
    assert value(during, "focus_outbox_oldest_age_seconds") > 0


def test_a_failed_action_is_counted_and_ids_are_echoed(stack, harness):
    actions = harness.url("actions")
    before = scrape(actions)
    call = {"next_action": "action_that_does_not_exist", "tracker": {}, "domain": {}}
    response = requests.post(
        f"{actions}/webhook", json=call, headers={"X-Request-Id": "turn-7"}, timeout=10
    )
    assert response.status_code == 404
    assert response.headers["X-Request-Id"] == "turn-7"
    assert len(requests.get(f"{actions}/health", timeout=10).headers["X-Request-Id"]) == 32
    after = scrape(actions)
    failures = "focus_action_failures_total"
    assert grew(before, after, failures, action="action_that_does_not_exist") == 1


def test_the_action_servers_log_is_json_without_personal_data(stack, harness, sender):
    """A fault logged end to end: every line the action server logs meanwhile is JSON
    (the warnings of imports before logging is set up come earlier, at each start), the
    action lines carry a request id, and no customer's detail appears in the log."""
    name, phone = "Priya Shahbazi", "07700 900987"
    log = harness.logs / "actions.log"
    start = log.stat().st_size
    for message in ["our broadband's been down since 8 this morning", ACCOUNT, POSTCODE]:
        stack.reply(sender, message)
    stack.reply(sender, name)
    stack.reply(sender, phone)
    stack.reply(sender, "yes")
    logged = log.read_bytes()
    text = logged.decode()
    lines = [json.loads(line) for line in logged[start:].decode().splitlines() if line.strip()]
    action_lines = [line for line in lines if line["message"] == "action"]
    assert action_lines and all(line.get("request_id") for line in action_lines)
    for word in [ACCOUNT, POSTCODE, name, phone, "broadband's been down"]:
        assert word.lower() not in text.lower(), word
