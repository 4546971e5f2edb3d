"""Example tests (delete with example_app/): Redis with the `redis` fixture."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import redis as redis_client
from example_app.profile_cache import Profile, ProfileCache


class CountingLoader:
    """Stands in for the database behind the cache and counts the loads."""

    def __init__(self, profiles: dict[int, Profile]) -> None:
        self.profiles = profiles
        self.calls = 0

    def __call__(self, user_id: int) -> Profile | None:
        self.calls += 1
        return self.profiles.get(user_id)


@pytest.fixture
def loader() -> CountingLoader:
    return CountingLoader({7: {"id": 7, "name": "Ada"}})


def test_second_read_is_served_from_the_cache(
    redis: redis_client.Redis, loader: CountingLoader
) -> None:
    cache = ProfileCache(redis, loader)

    assert cache.get(7) == {"id": 7, "name": "Ada"}
    assert cache.get(7) == {"id": 7, "name": "Ada"}

    assert loader.calls == 1


def test_entries_are_stored_with_the_ttl(
    redis: redis_client.Redis, loader: CountingLoader
) -> None:
    ProfileCache(redis, loader, ttl=timedelta(seconds=30)).get(7)

    assert 0 < redis.pttl("profile:7") <= 30_000


def test_expired_entry_is_loaded_again(
    redis: redis_client.Redis, loader: CountingLoader
) -> None:
    cache = ProfileCache(redis, loader, ttl=timedelta(milliseconds=50))
    cache.get(7)

    deadline = time.monotonic() + 2
    while redis.exists("profile:7") and time.monotonic() < deadline:
        time.sleep(0.01)
    cache.get(7)

    assert loader.calls == 2


def test_invalidated_entry_is_loaded_again(
    redis: redis_client.Redis, loader: CountingLoader
) -> None:
    cache = ProfileCache(redis, loader)
    cache.get(7)
    loader.profiles[7] = {"id": 7, "name": "Ada Lovelace"}

    cache.invalidate(7)

    assert cache.get(7) == {"id": 7, "name": "Ada Lovelace"}


def test_unknown_user_is_not_cached(
    redis: redis_client.Redis, loader: CountingLoader
) -> None:
    assert ProfileCache(redis, loader).get(404) is None
    assert redis.exists("profile:404") == 0


def test_corrupt_entry_is_replaced(
    redis: redis_client.Redis, loader: CountingLoader
) -> None:
    redis.set("profile:7", "{not json")

    assert ProfileCache(redis, loader).get(7) == {"id": 7, "name": "Ada"}
    assert redis.get("profile:7") == '{"id": 7, "name": "Ada"}'


def test_failing_loader_caches_nothing(redis: redis_client.Redis) -> None:
    def broken(user_id: int) -> Profile | None:
        raise ConnectionError("profile database down")

    with pytest.raises(ConnectionError):
        ProfileCache(redis, broken).get(7)

    assert redis.dbsize() == 0
