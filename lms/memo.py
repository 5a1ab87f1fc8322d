"""Bounded per-process caches of derived data (rendered fragments, course shapes).

Every cache that uses this is keyed by something read from the database (a row's
``updated_at``, a snapshot's ``computed_at``) or by code and configuration alone, so another
process or host never needs what one process keeps; each is bounded so memory stays flat.
"""

from __future__ import annotations


def remember(cache: dict, key, value, limit: int):
    """Store ``value`` under ``key`` in ``cache`` after dropping the oldest entries beyond
    ``limit``; returns ``value``. Safe if another thread evicts at the same time."""
    while len(cache) >= limit:
        try:
            del cache[next(iter(cache))]
        except (KeyError, StopIteration, RuntimeError):
            break
    cache[key] = value
    return value
