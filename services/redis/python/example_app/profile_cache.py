"""Example component (delete me): a read-through cache of user profiles in Redis."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis

Profile = dict[str, Any]


class ProfileCache:
    """Profiles from ``load``, cached as JSON for ``ttl``; a broken entry is reloaded."""

    def __init__(
        self,
        client: redis.Redis,
        load: Callable[[int], Profile | None],
        ttl: timedelta = timedelta(minutes=5),
    ) -> None:
        self.client = client
        self.load = load
        self.ttl = ttl

    @staticmethod
    def key(user_id: int) -> str:
        return f"profile:{user_id}"

    def get(self, user_id: int) -> Profile | None:
        cached = self.client.get(self.key(user_id))
        if cached is not None:
            try:
                return json.loads(cached)
            except json.JSONDecodeError:
                self.client.delete(self.key(user_id))
        profile = self.load(user_id)
        if profile is not None:
            self.client.set(self.key(user_id), json.dumps(profile), px=self.ttl)
        return profile

    def invalidate(self, user_id: int) -> None:
        self.client.delete(self.key(user_id))
