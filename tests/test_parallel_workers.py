"""The suite runs in parallel (pytest-xdist): each worker gets its own Redis db."""

from __future__ import annotations

import pytest

from tests.conftest import worker_redis_url


def test_without_workers_the_base_url_is_used_unchanged() -> None:
    assert worker_redis_url("redis://127.0.0.1:6379/15", None) == "redis://127.0.0.1:6379/15"
    assert worker_redis_url("redis://127.0.0.1:6379/15", "") == "redis://127.0.0.1:6379/15"


def test_workers_count_down_from_the_base_db() -> None:
    base = "redis://:secret@127.0.0.1:6379/15"
    assert worker_redis_url(base, "gw0") == "redis://:secret@127.0.0.1:6379/15"
    assert worker_redis_url(base, "gw1") == "redis://:secret@127.0.0.1:6379/14"
    assert worker_redis_url("redis://127.0.0.1:6379", "gw0") == "redis://127.0.0.1:6379/0"


def test_too_many_workers_for_the_base_db_is_a_clear_error() -> None:
    with pytest.raises(pytest.UsageError, match="worker gw2 would need Redis db -1"):
        worker_redis_url("redis://127.0.0.1:6379/1", "gw2")
