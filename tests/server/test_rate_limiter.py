"""The failure limiter (server/ratelimit.py): bounded memory, IPv6 addresses counted per /64.

The unit tests drive :class:`FailureLimiter` with a test clock; the last ones go through the app, where
enrolment attempts from many addresses of one IPv6 /64 share one count and the limiter remembers at most
``ALONGSIDE_RATE_LIMIT_MAX_ADDRESSES`` addresses.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from starlette.types import ASGIApp
from support.api import admin_cli, assert_api_error

from alongside.crypto import generate_device_keys
from alongside.server.app import create_app
from alongside.server.ratelimit import FailureLimiter, TooManyAttempts, address_group
from alongside.server.settings import Settings

LIMIT = 3
WINDOW = 600.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def exhausted(limiter: FailureLimiter, key: str) -> bool:
    try:
        limiter.check(key)
    except TooManyAttempts:
        return True
    return False


# -- addresses --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "group"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("192.0.2.8", "192.0.2.8"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2:0:0:0:FFFF", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("testclient", "testclient"),
        ("", ""),
    ],
)
def test_ipv4_addresses_count_one_by_one_and_ipv6_addresses_per_64(host: str, group: str) -> None:
    assert address_group(host) == group


# -- the limiter ------------------------------------------------------------------------------------------


def test_failures_past_the_limit_are_refused_until_the_oldest_leaves_the_window() -> None:
    clock = Clock()
    limiter = FailureLimiter(LIMIT, WINDOW, clock=clock)
    for _ in range(LIMIT):
        limiter.check("192.0.2.1")
        limiter.fail("192.0.2.1")
        clock.now += 10
    with pytest.raises(TooManyAttempts) as refused:
        limiter.check("192.0.2.1")
    assert refused.value.retry_after == WINDOW - 30
    limiter.check("192.0.2.2")  # another address is not slowed down
    clock.now += WINDOW - 30
    limiter.check("192.0.2.1")


def test_an_address_whose_failures_all_expired_is_forgotten() -> None:
    clock = Clock()
    limiter = FailureLimiter(LIMIT, WINDOW, clock=clock)
    for i in range(500):
        limiter.fail(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 500
    clock.now += WINDOW + 1
    limiter.check("192.0.2.1")  # any call forgets what left the window
    assert len(limiter) == 0


def test_memory_is_bounded_by_forgetting_the_address_whose_last_failure_is_oldest() -> None:
    clock = Clock()
    limiter = FailureLimiter(LIMIT, WINDOW, max_keys=100, clock=clock)
    # A persistent guesser, then a flood of one failure each from 100,000 other addresses.
    for _ in range(LIMIT):
        limiter.fail("198.51.100.1")
    assert exhausted(limiter, "198.51.100.1")
    network = ipaddress.ip_network("10.0.0.0/8")
    for i in range(100_000):
        limiter.fail(str(network[i + 1]))
        clock.now += 0.001
        assert len(limiter) <= 100
    assert len(limiter) == 100
    # The newest 100 are remembered; the oldest (the guesser included) are forgotten first.
    assert exhausted(limiter, "198.51.100.1") is False
    for i in range(100_000 - 100, 100_000):
        limiter.fail(str(network[i + 1]))
        limiter.fail(str(network[i + 1]))
    assert all(exhausted(limiter, str(network[i + 1])) for i in range(100_000 - 100, 100_000))


def test_a_repeat_failure_keeps_an_address_remembered_over_quieter_ones() -> None:
    clock = Clock()
    limiter = FailureLimiter(LIMIT, WINDOW, max_keys=3, clock=clock)
    limiter.fail("192.0.2.1")
    limiter.fail("192.0.2.2")
    limiter.fail("192.0.2.3")
    limiter.fail("192.0.2.1")  # now the most recent
    limiter.fail("192.0.2.4")  # evicts 192.0.2.2, whose last failure is the oldest
    limiter.fail("192.0.2.1")
    assert len(limiter) == 3
    assert exhausted(limiter, "192.0.2.1")


def test_one_address_keeps_at_most_limit_failures_in_memory() -> None:
    clock = Clock()
    limiter = FailureLimiter(LIMIT, WINDOW, clock=clock)
    for _ in range(10_000):
        limiter.fail("192.0.2.1")  # what concurrent requests past ``check`` could do
    assert len(limiter._failures["192.0.2.1"]) == LIMIT
    clock.now += WINDOW + 1
    limiter.check("192.0.2.1")


# -- through the app --------------------------------------------------------------------------------------


def from_address(app: ASGIApp, host: str) -> TestClient:
    """A client of the running app (its lifespan already entered) whose requests come from ``host``."""
    return TestClient(app, client=(host, 443))


def enrol_with_a_wrong_code(client: TestClient) -> int:
    keys = generate_device_keys()
    body = {"code": "AAAA-BBBB-CCCC", "public_keys": keys.public.to_json()}
    return client.post("/api/v1/enrol", json=body).status_code


def test_enrolment_guesses_from_many_addresses_of_one_ipv6_64_share_one_count(tmp_path: Path) -> None:
    admin_cli(tmp_path, "init", "--org", "Riverside Family Support", "--name", "Admin")
    settings = Settings(data_dir=tmp_path, failure_limit=LIMIT)
    with TestClient(create_app(settings)) as running:
        app = running.app
        for i in range(LIMIT):
            assert enrol_with_a_wrong_code(from_address(app, f"2001:db8:7:7::{i + 1:x}")) == 403
        refused = from_address(app, "2001:db8:7:7:ffff:ffff:ffff:ffff").post(
            "/api/v1/enrol", json={"code": "x", "public_keys": {}}
        )
        assert_api_error(refused, 429, "too_many_requests")
        assert int(refused.headers["retry-after"]) > 0
        assert enrol_with_a_wrong_code(from_address(app, "2001:db8:7:8::1")) == 403  # the next /64: someone else
        assert enrol_with_a_wrong_code(from_address(app, "192.0.2.9")) == 403


def test_the_app_remembers_at_most_the_configured_number_of_addresses(tmp_path: Path) -> None:
    admin_cli(tmp_path, "init", "--org", "Riverside Family Support", "--name", "Admin")
    settings = Settings.from_env({"ALONGSIDE_RATE_LIMIT_MAX_ADDRESSES": "50"}, data_dir=tmp_path)
    assert settings.rate_limit_max_addresses == 50
    with TestClient(create_app(settings)) as running:
        app = running.app
        for i in range(200):
            assert enrol_with_a_wrong_code(from_address(app, f"2001:db8:{i:x}::1")) == 403
        assert len(app.state.alongside.limiter) == 50
