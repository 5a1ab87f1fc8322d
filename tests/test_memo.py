"""lms/memo.py: bounded per-process caches."""

from __future__ import annotations

from lms.memo import FragmentCache, remember


def test_remember_drops_the_oldest_beyond_the_limit():
    cache: dict = {}
    for n in range(5):
        remember(cache, n, str(n), limit=3)
    assert list(cache) == [2, 3, 4]


def test_fragment_cache_builds_once_and_honours_keep():
    built = []
    cache = FragmentCache("test", limit=2)

    def build(text):
        def _b():
            built.append(text)
            return text

        return _b

    assert cache.render("a", build("A")) == "A"
    assert cache.render("a", build("other")) == "A"
    assert built == ["A"]
    assert cache.render("err", build("E"), keep=lambda html: False) == "E"
    assert cache.get("err") is None
    cache.render("b", build("B"))
    cache.render("c", build("C"))
    assert len(cache) == 2 and cache.get("a") is None


def test_fragment_cache_clear_when_full():
    cache = FragmentCache("test", limit=2, clear_when_full=True)
    for key in "abc":
        cache.put(key, key)
    assert len(cache) == 1 and cache.get("c") == "c"
