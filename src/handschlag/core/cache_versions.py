"""Write versions for what is kept in the cache: a number that every write to some data raises, made part of the
keys of what was computed from that data, so that a write makes it stale at once — in every process when the
cache is shared (HANDSCHLAG_CACHE_URL). Used by the home page's account totals, the complaints part of the home
page and the concession figures."""

from __future__ import annotations

from django.core.cache import cache


def write_version(key: str) -> int:
    """The current version under `key` (1 before the first write)."""
    return int(cache.get_or_set(key, 1, None) or 1)


def write_version_bump(key: str) -> None:
    """After a write: what was kept under the old version is not read again."""
    try:
        cache.incr(key)
    except ValueError:  # not there (yet, or evicted): a fresh start still differs from what was kept
        cache.set(key, 1, None)
