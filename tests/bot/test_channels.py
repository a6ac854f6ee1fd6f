"""The client address the input channels put on each message: X-Forwarded-For is
believed only from a trusted proxy."""

from types import SimpleNamespace

import pytest

from bot.channels import AddressedRestInput, client_address


def request(peer: str, forwarded_for: str | None = None) -> SimpleNamespace:
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    return SimpleNamespace(ip=peer, headers=headers)


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded_for", "address"),
    [
        ("", "198.51.100.1", None, "198.51.100.1"),
        ("", "198.51.100.1", "203.0.113.9", "198.51.100.1"),  # nobody trusted
        ("10.0.0.1", "198.51.100.1", "203.0.113.9", "198.51.100.1"),  # peer not trusted
        ("10.0.0.1", "10.0.0.1", "203.0.113.9", "203.0.113.9"),
        ("10.0.0.1", "10.0.0.1", "1.1.1.1, 203.0.113.9", "203.0.113.9"),  # first hop forged
        ("10.0.0.1,10.0.0.2", "10.0.0.1", "203.0.113.9, 10.0.0.2", "203.0.113.9"),
        ("10.0.0.1", "10.0.0.1", None, "10.0.0.1"),
    ],
)
def test_client_address(monkeypatch, trusted, peer, forwarded_for, address):
    monkeypatch.setenv("FOCUS_TRUSTED_PROXIES", trusted)
    assert client_address(request(peer, forwarded_for)) == address


def test_rest_metadata_keeps_the_body_and_replaces_a_claimed_address(monkeypatch):
    monkeypatch.setenv("FOCUS_TRUSTED_PROXIES", "")
    sent = {"metadata": {"focus_now": "2026-11-28T14:00", "client_address": "192.0.2.1"}}
    incoming = SimpleNamespace(ip="198.51.100.1", headers={}, json=sent)
    assert AddressedRestInput().get_metadata(incoming) == {
        "focus_now": "2026-11-28T14:00",
        "client_address": "198.51.100.1",
    }
