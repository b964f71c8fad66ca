"""The cache backend for Redis (docs/operations.md "Cache").

Django's Redis cache, except that ``clear()`` deletes only this cache's keys (those under its
``KEY_PREFIX``): the cache usually shares its Redis database with the Celery broker, and Django's
``clear()`` runs ``FLUSHDB``, which would drop the queued tasks too.
"""

from itertools import batched

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.exceptions import ImproperlyConfigured


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        if not self.key_prefix or any(char in self.key_prefix for char in "*?[]\\"):
            raise ImproperlyConfigured(
                "The Redis cache needs a KEY_PREFIX without glob characters: clear() deletes "
                "the keys under it."
            )

    def clear(self) -> bool:  # type: ignore[override]  # as Django's RedisCache: a bool
        client = self._cache.get_client(write=True)
        for keys in batched(client.scan_iter(match=f"{self.key_prefix}:*", count=1000), 1000):
            client.delete(*keys)
        return True
