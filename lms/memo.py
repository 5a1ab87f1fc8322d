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


class FragmentCache:
    """A bounded per-process cache of rendered HTML fragments (catalogue cards, outline parts,
    filter forms, dashboard sections).

    The key must hold everything the fragment shows (content, the viewer's flags that change it,
    the language, the URL root), so an entry never goes stale: changed data is a new key. The
    oldest entries are dropped beyond ``limit``; ``clear_when_full`` empties it instead (for
    caches whose keys rotate as a whole).
    """

    def __init__(self, name: str, limit: int, clear_when_full: bool = False):
        self.name = name
        self.limit = limit
        self.clear_when_full = clear_when_full
        self._entries: dict = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key):
        """The fragment kept for ``key``, or None."""
        return self._entries.get(key)

    def put(self, key, html):
        """Keep ``html`` under ``key``; returns ``html``."""
        if self.clear_when_full and len(self._entries) >= self.limit:
            self._entries.clear()
        return remember(self._entries, key, html, self.limit)

    def render(self, key, build, keep=None):
        """The fragment for ``key``, built by ``build()`` on a miss and kept unless
        ``keep(html)`` says otherwise (a form with error messages, say)."""
        html = self._entries.get(key)
        if html is None:
            html = build()
            if keep is None or keep(html):
                self.put(key, html)
        return html

    def clear(self) -> None:
        self._entries.clear()
