"""The worker caps glibc's malloc arenas unless the environment already does."""

from __future__ import annotations

from pipeline.worker import limit_malloc_arenas


def test_the_environment_wins(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False


def test_the_cap_is_set_with_glibc(monkeypatch):
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas(2) is True  # this machine runs glibc
